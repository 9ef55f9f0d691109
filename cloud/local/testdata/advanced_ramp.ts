// Shared by tests: an Advanced job that ramps users on the fixture endpoint "ep" (see
// profiled_endpoint.ts) with one phase and FlatInvocations Continue, so the ramp runs its whole
// length whatever the fleet does — the load of every local scaling scenario.
import { CreateInferenceRecommendationsJobCommand } from "@aws-sdk/client-sagemaker";
import type { Cloud } from "../../types.ts";

/** Creates Advanced job `jobName` on endpoint "ep": one phase of `seconds`. */
export async function startAdvancedRamp(
  cloud: Cloud,
  ramp: { jobName: string; initialUsers: number; spawnRate: number; seconds: number },
): Promise<void> {
  await cloud.sagemaker.send(
    new CreateInferenceRecommendationsJobCommand({
      JobName: ramp.jobName,
      JobType: "Advanced",
      RoleArn: cloud.defaultRoleArn,
      InputConfig: {
        ModelName: "xgb",
        Endpoints: [{ EndpointName: "ep" }],
        TrafficPattern: {
          TrafficType: "PHASES",
          Phases: [{
            InitialNumberOfUsers: ramp.initialUsers,
            SpawnRate: ramp.spawnRate,
            DurationInSeconds: ramp.seconds,
          }],
        },
      },
      StoppingConditions: { FlatInvocations: "Continue" },
    }),
  );
}
