// Shared by the golden scaling tests: the target-tracking policy their hand-derived timelines are
// written for — InvocationsPerInstance at 70 per instance per minute on the harness's variant
// (AlarmHigh 3 of 3 > 70, AlarmLow 15 of 15 < 63; spec autoscaling.md §1.1).
import type { PutScalingPolicyCommandInput } from "@aws-sdk/client-application-auto-scaling";
import { TARGET } from "../../cloud/local/testdata/scaling_harness.ts";

/** PutScalingPolicy "invocations": target tracking on InvocationsPerInstance, target 70. */
export const TRACK_INVOCATIONS: PutScalingPolicyCommandInput = {
  ...TARGET,
  PolicyName: "invocations",
  PolicyType: "TargetTrackingScaling",
  TargetTrackingScalingPolicyConfiguration: {
    TargetValue: 70,
    PredefinedMetricSpecification: {
      PredefinedMetricType: "SageMakerVariantInvocationsPerInstance",
    },
  },
};
