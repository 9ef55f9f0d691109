// A second process on the same local folder: creates a model, config and endpoint, then moves
// the shared simulated clock until the endpoint is InService.
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
} from "@aws-sdk/client-sagemaker";
import { IMAGE, MODEL_URL, openFixture, ROLE } from "./sagemaker_fixture.ts";

const f = openFixture(Deno.args[0]);
try {
  await f.sm.send(
    new CreateModelCommand({
      ModelName: "child-model",
      ExecutionRoleArn: ROLE,
      PrimaryContainer: { Image: IMAGE, ModelDataUrl: MODEL_URL },
    }),
  );
  await f.sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: "child-config",
      ProductionVariants: [{
        VariantName: "AllTraffic",
        ModelName: "child-model",
        InstanceType: "ml.c5.large",
        InitialInstanceCount: 2,
      }],
    }),
  );
  await f.sm.send(
    new CreateEndpointCommand({
      EndpointName: "child-endpoint",
      EndpointConfigName: "child-config",
    }),
  );
  await f.clock.sleep(150_000);
  const e = await f.sm.send(new DescribeEndpointCommand({ EndpointName: "child-endpoint" }));
  console.log(`status: ${e.EndpointStatus}`);
} finally {
  f.ctx.store.close();
}
