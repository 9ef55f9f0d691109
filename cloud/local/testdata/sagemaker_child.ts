// A second process on the same local folder: creates a model, config and endpoint, then moves
// the shared simulated clock until the endpoint is InService.
import { CreateEndpointCommand, DescribeEndpointCommand } from "@aws-sdk/client-sagemaker";
import { createModelAndConfig, openFixture } from "./sagemaker_fixture.ts";

const f = openFixture(Deno.args[0]);
try {
  await createModelAndConfig(f, { model: "child-model", config: "child-config", count: 2 });
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
