// Proves that `deno task notebook:folder DIR` lets a program in any folder import the toolkit
// by name (the import map carries its npm dependencies), keeping what DIR's deno.json had.
// (A notebook in such a folder: tests/notebook_test.ts.)
import assert from "node:assert/strict";
import { TOOLKIT_IMPORT } from "./notebook_folder.ts";

const script = new URL("./notebook_folder.ts", import.meta.url).pathname;

Deno.test("a module in a prepared folder imports the toolkit and its charts by name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "any-folder-" });
  try {
    await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ tasks: { hello: "echo hi" } }));
    const prepare = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", script, dir],
      env: { NO_COLOR: "1" },
      stdout: "piped",
    }).output();
    assert.equal(prepare.code, 0);
    const config = JSON.parse(await Deno.readTextFile(`${dir}/deno.json`));
    assert.deepEqual(config.tasks, { hello: "echo hi" });
    assert.equal(config.imports[TOOLKIT_IMPORT], new URL("../mod.ts", import.meta.url).href);
    await Deno.writeTextFile(
      `${dir}/use.ts`,
      `import { planCapacity } from "${TOOLKIT_IMPORT}";
import { toSvg, VEGA_LITE_SCHEMA } from "${TOOLKIT_IMPORT}/charts/mod.ts";
const svg = await toSvg({ $schema: VEGA_LITE_SCHEMA, data: { values: [{ x: 1 }] }, mark: "point",
  encoding: { x: { field: "x", type: "quantitative" } } });
console.log(planCapacity({ maxTps: 500, minTps: 70, upperLimit: 3300 }).maxCapacity, svg.slice(0, 4));`,
    );
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "use.ts"],
      cwd: dir,
      env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.equal(new TextDecoder().decode(run.stdout), "11 <svg\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("notebook:folder refuses a deno.json that is not plain JSON, in one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/deno.json`, "{ // a comment\n}");
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", script, dir],
      env: { NO_COLOR: "1" },
      stderr: "piped",
    }).output();
    assert.equal(code, 2);
    const text = new TextDecoder().decode(stderr);
    assert.equal(text.trim().split("\n").length, 1);
    assert.match(text, /^notebook:folder: Cannot update .*deno\.json: .*: make it plain JSON/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
