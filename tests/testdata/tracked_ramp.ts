// Shared by tests: a fresh local backend in a temp folder with the fixture endpoint "ep" (see
// cloud/local/testdata/profiled_endpoint.ts), a scalable target of 1–4 instances, one
// target-tracking policy "track" on a predefined metric, and a one-phase Advanced ramp started
// on it — the set-up of the target-tracking scenarios on the simulated clock.
import {
  type MetricType,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import { ListInferenceRecommendationsJobStepsCommand } from "@aws-sdk/client-sagemaker";
import { type LocalCloud, openLocalCloud } from "../../cloud/local/mod.ts";
import type { LocalSettings } from "../../cloud/local/kernel/settings.ts";
import { startAdvancedRamp } from "../../cloud/local/testdata/advanced_ramp.ts";
import { createProfiledEndpoint } from "../../cloud/local/testdata/profiled_endpoint.ts";
import { FIXTURE_PROFILE } from "../../cloud/local/testdata/recommender_fixture.ts";
import { TARGET } from "../../cloud/local/testdata/scaling_harness.ts";

/** What {@linkcode openTrackedRamp} sets up. */
export interface TrackedRampSetup {
  /** Prefix of the temp folder. */
  prefix: string;
  /** Bucket of the fixture model. */
  bucket: string;
  /** Local settings over the defaults. */
  local?: Partial<LocalSettings>;
  /** The policy's predefined metric and target value. */
  metric: MetricType;
  targetValue: number;
  /** The Advanced job's name and its one phase. */
  ramp: { jobName: string; initialUsers: number; spawnRate: number; seconds: number };
}

/** The running scenario: its backend, when the job's load started (epoch ms), and its clean-up. */
export interface TrackedRamp {
  cloud: LocalCloud;
  loadStart: number;
  /** Closes the backend and removes its folder. */
  close(): Promise<void>;
}

/** Opens the backend, creates endpoint, target and policy, starts the ramp and lets it plan. */
export async function openTrackedRamp(setup: TrackedRampSetup): Promise<TrackedRamp> {
  const dir = await Deno.makeTempDir({ prefix: setup.prefix });
  const cloud = openLocalCloud({ localDir: dir, local: setup.local });
  const close = async () => {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    // The profile a Default job would have stored for this model, image and instance type.
    await createProfiledEndpoint(cloud, { profile: FIXTURE_PROFILE, bucket: setup.bucket });
    await cloud.autoscaling.send(
      new RegisterScalableTargetCommand({ ...TARGET, MinCapacity: 1, MaxCapacity: 4 }),
    );
    await cloud.autoscaling.send(
      new PutScalingPolicyCommand({
        ...TARGET,
        PolicyName: "track",
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: setup.targetValue,
          PredefinedMetricSpecification: { PredefinedMetricType: setup.metric },
        },
      }),
    );
    await startAdvancedRamp(cloud, setup.ramp);
    await cloud.clock.sleep(0); // the job starts and plans its load
    const steps = await cloud.sagemaker.send(
      new ListInferenceRecommendationsJobStepsCommand({ JobName: setup.ramp.jobName }),
    );
    const loadStart = steps.Steps![0].InferenceBenchmark!.InvocationStartTime!.getTime();
    return { cloud, loadStart, close };
  } catch (e) {
    await close();
    throw e;
  }
}
