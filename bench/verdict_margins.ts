/**
 * How far from the knife edge the walkthrough's verdicts are: for capacity profiles of the shapes
 * a quiet machine measures (saturation at 1 to 12 users, linear or rounded) and any measured
 * profile files given, it plans with the walkthrough's local expectation and runs the three
 * evaluations on the simulated fleet with no MaxInvocations stop, then prints each evaluation's
 * whole-ramp peak as a share of the expectation, and whether it passed. A verdict whose peak is
 * far from 100 % does not flip with the noise of the benchmark.
 *
 * `deno run -A bench/verdict_margins.ts [profile.json ...]` (a profile is `recommend --json`'s
 * `profile`).
 *
 * @module
 */
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
} from "@aws-sdk/client-sagemaker";
import { openLocalCloud } from "../cloud/local/mod.ts";
import { type CapacityProfile, PROFILE_KIND, profileKey } from "../sim/profile.ts";
import { evaluate, judgeEvaluation } from "../steps/evaluate.ts";
import { planCapacity } from "../steps/plan.ts";
import { resetAndApply, scale } from "../steps/scale.ts";
import { setProgressMode } from "../progress/mod.ts";
import { expectedTps, walkthroughPolicies } from "../steps/walkthrough.ts";

const LEVELS = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64];
const IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1";
const BUCKET = "margin-bench-models";

/** A quiet machine's profile: throughput rises to `peak` req/s at `saturatedAt` users, then stays. */
function quietProfile(peak: number, saturatedAt: number, shape: "linear" | "rounded") {
  const levels = LEVELS.map((c) => {
    const x = shape === "linear"
      ? peak * Math.min(1, c / saturatedAt)
      : Math.min(peak, peak * (c / (c + saturatedAt / 3)) / (3 / 4));
    const mean = 1000 * c / x;
    return {
      concurrency: c,
      throughput: x,
      latencyMs: { p50: mean * 0.9, p95: mean * 1.6, p99: mean * 2, mean },
      cpuPercent: 180 * x / peak,
      memoryPercent: 20,
      errorRate: 0,
    };
  });
  return {
    instanceType: "ml.c5.large",
    vCpus: 2,
    measuredOn: `quiet, ${shape}, saturated at ${saturatedAt} users`,
    levels,
  } satisfies CapacityProfile;
}

/** The three evaluations' whole-ramp peaks against the walkthrough's expectation. */
async function margins(profile: CapacityProfile): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "verdict-margins-" });
  const cloud = openLocalCloud({ localDir: dir });
  try {
    const modelUrl = `s3://${BUCKET}/model.tar.gz`;
    await cloud.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const key of ["model.tar.gz", "payload.tar.gz"]) {
      await cloud.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
    }
    const store = cloud.context.store;
    store.tx(() =>
      store.putDoc(
        PROFILE_KIND,
        profileKey({ modelDataUrl: modelUrl, image: IMAGE, instanceType: profile.instanceType }),
        profile,
      )
    );
    await cloud.sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: "g" }));
    const pkg = await cloud.sagemaker.send(
      new CreateModelPackageCommand({
        ModelPackageGroupName: "g",
        Domain: "MACHINE_LEARNING",
        Task: "OTHER",
        SamplePayloadUrl: `s3://${BUCKET}/payload.tar.gz`,
        InferenceSpecification: {
          Containers: [{
            Image: IMAGE,
            ModelDataUrl: modelUrl,
            Framework: "XGBOOST",
            FrameworkVersion: "1.7-1",
            NearestModelName: "xgboost",
          }],
          SupportedContentTypes: ["text/csv"],
          SupportedResponseMIMETypes: ["text/csv"],
          SupportedRealtimeInferenceInstanceTypes: ["ml.c5.large"],
        },
      }),
    );
    // The analysis' maximum: the best level, one simulated minute of it.
    const maxValue = Math.max(...profile.levels.map((l) => l.throughput)) * 60;
    const upperLimit = maxValue * 0.55;
    const expected = expectedTps({ maxValue, upperLimit });
    const plan = planCapacity({ ...expected, upperLimit, pricePerHour: 0.102 });
    const expectation = Math.round(plan.maxTps * 60);
    const cells: string[] = [];
    let target: { endpointName: string; variantName: string } | undefined;
    for (const run of walkthroughPolicies(plan)) {
      if (target === undefined) {
        const s = await scale(cloud, {
          modelUrl,
          containerImage: IMAGE,
          instanceType: profile.instanceType,
          roleArn: cloud.defaultRoleArn!,
          minCapacity: plan.minCapacity,
          maxCapacity: plan.maxCapacity,
          policies: run.policies,
        });
        target = { endpointName: s.endpointName, variantName: s.variantName };
      } else {
        await resetAndApply(cloud, target, {
          ...plan,
          instanceType: profile.instanceType,
          policies: run.policies,
          manifest: [],
        });
      }
      // No MaxInvocations stop (a huge max TPS): the whole ramp's peak.
      const e = await evaluate(cloud, {
        ...target,
        modelPackageArn: pkg.ModelPackageArn!,
        roleArn: cloud.defaultRoleArn!,
        spawnRate: run.fast ? 3 : 1,
        durationSeconds: 1800,
        maxTps: 1e9,
        latencyThresholdMs: 1000,
        policyLabel: run.policies.label,
      });
      const v = judgeEvaluation(e.series, {
        expectation,
        latencyThresholdMs: 1000,
        maxErrorRate: 0.01,
      });
      cells.push(
        `${run.policies.label} ${Math.round(100 * e.maxInvocationsRealized / expectation)} % ${
          v.passed ? `passed @${v.minutesToExpectation} min` : "failed"
        }`,
      );
    }
    return `${
      profile.measuredOn.slice(0, 44).padEnd(44)
    } ${plan.minCapacity}-${plan.maxCapacity} | ${cells.join(" | ")}`;
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  setProgressMode("quiet");
  const profiles: CapacityProfile[] = [];
  for (const path of Deno.args) profiles.push(JSON.parse(await Deno.readTextFile(path)));
  for (const saturatedAt of [1, 2, 3, 4, 6, 8, 12]) {
    for (const shape of ["linear", "rounded"] as const) {
      profiles.push(quietProfile(1200, saturatedAt, shape));
    }
  }
  console.log(
    "profile                                      min-max | whole-ramp peak / expectation",
  );
  for (const profile of profiles) console.log(await margins(profile));
}
