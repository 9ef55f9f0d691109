// Test support for the local Application Auto Scaling and CloudWatch alarms: a context on a temp
// folder with SageMaker, CloudWatch (metrics + alarms) and Application Auto Scaling senders that
// take the real SDK command objects, an InService endpoint, and helpers to lay metric rows on the
// simulated timeline.
import {
  DescribeScalingActivitiesCommand,
  RegisterScalableTargetCommand,
  type ScalingActivity,
} from "@aws-sdk/client-application-auto-scaling";
import { DescribeAlarmsCommand, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
} from "@aws-sdk/client-sagemaker";
import type { AutoScalingSender, CloudWatchSender, SageMakerSender } from "../../types.ts";
import { cloudWatchHandlers, registerAlarmEvents } from "../cloudwatch/mod.ts";
import { autoScalingHandlers, registerAutoScalingEvents } from "../autoscaling/mod.ts";
import { LocalClock } from "../kernel/clock.ts";
import { type LocalContext, LocalRuntime } from "../kernel/context.ts";
import { registerSageMakerEvents, sageMakerHandlers } from "../sagemaker/mod.ts";
import { localSender } from "../kernel/dispatch.ts";
import {
  DEFAULT_LOCAL_SETTINGS,
  type LocalSettings,
  mergeLocalSettings,
} from "../kernel/settings.ts";
import { Store } from "../kernel/store/mod.ts";

export const ENDPOINT = "ep";
export const VARIANT = "AllTraffic";
export const RESOURCE_ID = `endpoint/${ENDPOINT}/variant/${VARIANT}`;
export const TARGET = {
  ServiceNamespace: "sagemaker",
  ResourceId: RESOURCE_ID,
  ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
} as const;
export const DIMENSIONS = [
  { Name: "EndpointName", Value: ENDPOINT },
  { Name: "VariantName", Value: VARIANT },
];

export interface ScalingHarness {
  ctx: LocalContext;
  sagemaker: SageMakerSender;
  cloudwatch: CloudWatchSender;
  autoscaling: AutoScalingSender;
  clock: LocalClock;
  /** The whole minute at which the endpoint became InService: the origin of every timeline. */
  t0: number;
  /** Lays an `AWS/SageMaker` metric row for the period starting `seconds` after t0. */
  putMetric(metricName: string, seconds: number, value: number, periodSeconds?: number): void;
  /** Advances the simulated clock to `seconds` after t0. */
  sleepTo(seconds: number): Promise<void>;
  /** Seconds since t0 of the simulated clock. */
  elapsed(): number;
  /** The variant's DesiredInstanceCount as DescribeEndpoint reports it. */
  capacity(): Promise<number>;
  /** DescribeScalingActivities for the variant, oldest first (all pages). */
  activities(includeNotScaled?: boolean): Promise<ScalingActivity[]>;
  /** DescribeAlarms, all of them. */
  alarms(): Promise<MetricAlarm[]>;
  close(): Promise<void>;
}

/** Options of {@linkcode openScalingHarness}. */
/**
 * The delays the hand-derived timelines (tests/autoscaling_golden_test.ts, the alarm and scaling
 * unit tests) are written in: a 60 s metric delay and instant removals, so that their arithmetic
 * stays readable. The calibrated defaults (120 s delay, 120 s drain; kernel/settings.ts) have
 * their own timelines in tests/autoscaling_delays_golden_test.ts; pass `settings` to use them.
 */
export const HAND_DERIVED_DELAYS: Partial<LocalSettings> = Object.freeze({
  metricDelaySeconds: 60,
  instanceDrainSeconds: 0,
});

export interface ScalingHarnessOptions {
  /** Instances the endpoint starts with. */
  instances?: number;
  /** MinCapacity/MaxCapacity to register the variant with; not registered when absent. */
  register?: { min: number; max: number };
  /**
   * Local settings overrides (endpoint creation is 60 s here, the endpoint is off the clock,
   * `endpointSimulation: false`, and the delays are {@linkcode HAND_DERIVED_DELAYS}, unless given).
   */
  settings?: Partial<LocalSettings>;
}

export async function openScalingHarness(
  options: ScalingHarnessOptions = {},
): Promise<ScalingHarness> {
  const dir = await Deno.makeTempDir({ prefix: "scaling-local-" });
  const store = Store.open(dir);
  const runtime = new LocalRuntime();
  registerSageMakerEvents(runtime);
  registerAlarmEvents(runtime);
  registerAutoScalingEvents(runtime);
  const ctx: LocalContext = {
    store,
    settings: mergeLocalSettings(DEFAULT_LOCAL_SETTINGS, {
      endpointCreateSeconds: 60,
      // The timelines lay their own metric rows: the endpoint does not publish its own.
      endpointSimulation: false,
      ...HAND_DERIVED_DELAYS,
      ...options.settings,
    }),
    region: "us-east-1",
    account: "000000000000",
    runtime,
  };
  const sagemaker = localSender(ctx, {
    service: "SageMaker",
    handlers: sageMakerHandlers,
  }) as SageMakerSender;
  const cloudwatch = localSender(ctx, {
    service: "CloudWatch",
    handlers: cloudWatchHandlers,
  }) as CloudWatchSender;
  const autoscaling = localSender(ctx, {
    service: "Application Auto Scaling",
    handlers: autoScalingHandlers,
  }) as AutoScalingSender;
  const clock = new LocalClock(ctx);
  const close = async () => {
    store.close();
    await Deno.remove(dir, { recursive: true });
  };
  try {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: "xgb",
        ExecutionRoleArn: "arn:aws:iam::000000000000:role/LocalSageMakerRole",
        PrimaryContainer: {
          Image: "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.5-1",
        },
      }),
    );
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: "cfg",
        ProductionVariants: [{
          VariantName: VARIANT,
          ModelName: "xgb",
          InstanceType: "ml.c5.large",
          InitialInstanceCount: options.instances ?? 1,
        }],
      }),
    );
    await sagemaker.send(
      new CreateEndpointCommand({ EndpointName: ENDPOINT, EndpointConfigName: "cfg" }),
    );
    await clock.sleep(ctx.settings.endpointCreateSeconds * 1000);
    const t0 = store.now();
    if (t0 % 60_000 !== 0) {
      throw new Error("the harness needs endpointCreateSeconds in whole minutes");
    }
    if (options.register) {
      await autoscaling.send(
        new RegisterScalableTargetCommand({
          ...TARGET,
          MinCapacity: options.register.min,
          MaxCapacity: options.register.max,
        }),
      );
    }
    return {
      ctx,
      sagemaker,
      cloudwatch,
      autoscaling,
      clock,
      t0,
      putMetric(metricName, seconds, value, periodSeconds = 60) {
        store.tx(() =>
          store.putMetrics([{
            namespace: "AWS/SageMaker",
            metricName,
            dimensions: DIMENSIONS,
            timestamp: t0 + seconds * 1000,
            unit: "None",
            sampleCount: 1,
            sum: value,
            min: value,
            max: value,
            storageResolution: periodSeconds < 60 ? 1 : 60,
          }])
        );
      },
      async sleepTo(seconds) {
        const target = t0 + seconds * 1000;
        const now = store.now();
        if (target < now) {
          throw new Error(`cannot sleep back to ${seconds} s: it is ${(now - t0) / 1000} s`);
        }
        await clock.sleep(target - now);
      },
      elapsed() {
        return (store.now() - t0) / 1000;
      },
      async capacity() {
        const d = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: ENDPOINT }));
        return d.ProductionVariants![0].DesiredInstanceCount!;
      },
      async activities(includeNotScaled = false) {
        const all: ScalingActivity[] = [];
        let NextToken: string | undefined;
        do {
          const out = await autoscaling.send(
            new DescribeScalingActivitiesCommand({
              ServiceNamespace: "sagemaker",
              ResourceId: RESOURCE_ID,
              IncludeNotScaledActivities: includeNotScaled,
              NextToken,
            }),
          );
          all.push(...out.ScalingActivities!);
          NextToken = out.NextToken;
        } while (NextToken);
        return all.reverse();
      },
      async alarms() {
        const out = await cloudwatch.send(new DescribeAlarmsCommand({}));
        return out.MetricAlarms!;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Runs `fn` with a harness and always closes it. */
export async function withScaling(
  options: ScalingHarnessOptions,
  fn: (h: ScalingHarness) => Promise<void>,
): Promise<void> {
  const h = await openScalingHarness(options);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

/** An activity reduced to what the golden timelines compare. */
export function brief(a: ScalingActivity, t0: number) {
  return {
    at: (a.StartTime!.getTime() - t0) / 1000,
    status: a.StatusCode,
    description: a.Description,
    cause: a.Cause,
    ...(a.EndTime ? { end: (a.EndTime.getTime() - t0) / 1000 } : {}),
    ...(a.NotScaledReasons ? { notScaled: a.NotScaledReasons } : {}),
  };
}
