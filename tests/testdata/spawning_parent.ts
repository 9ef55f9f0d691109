// A parent process as the local Default job is one: it owns a temporary folder, starts the model
// server and a load generator against it, prints what it started as one JSON line, then waits to
// be killed. tests/no_orphans_test.ts kills it with SIGKILL and checks what is left.
import { spawnLoadGenerator } from "../../load/spawn_load.ts";
import { makeOwnedTempDir } from "../../machine/temp_dirs.ts";
import { startModelServer } from "../../model/spawn_server.ts";

const workers = Number(Deno.args[0] ?? "1");
const tempDir = await makeOwnedTempDir("orphan-test-");
const server = await startModelServer({
  modelDir: new URL("../fixtures/xgboost/regression_depth4.model.json", import.meta.url).pathname,
  workers,
  stderr: "null",
});
const load = await spawnLoadGenerator([
  "run",
  "--allow-all",
  new URL("../../load/cli.ts", import.meta.url).pathname,
  `--url=${server.url}/ping`,
  "--method=GET",
  "--users=1",
  "--duration=120",
  "--quiet",
]);
console.log(
  JSON.stringify({ serverPids: server.pids, loadPid: load.pid, port: server.port, tempDir }),
);
await new Promise(() => {}); // until killed
