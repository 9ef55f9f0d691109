// Proves that no script prints Node's DEP0040 punycode deprecation (vega's Node loader pulls it in
// through node-fetch 2 → whatwg-url 5 → tr46), and that every other warning still prints.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { isPunycodeDeprecation } from "./_quiet_punycode.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

async function stderrOf(args: string[]): Promise<string> {
  const { stderr } = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
    stdout: "null",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(stderr);
}

Deno.test("isPunycodeDeprecation() matches DEP0040 in each emitWarning form, and nothing else", () => {
  assert.ok(isPunycodeDeprecation("The `punycode` module", ["DeprecationWarning", "DEP0040"]));
  assert.ok(isPunycodeDeprecation("The `punycode` module", [{ code: "DEP0040" }]));
  assert.ok(isPunycodeDeprecation(Object.assign(new Error("x"), { code: "DEP0040" }), []));
  assert.ok(!isPunycodeDeprecation("Buffer() is deprecated", ["DeprecationWarning", "DEP0005"]));
  assert.ok(!isPunycodeDeprecation("something", []));
  assert.ok(!isPunycodeDeprecation("something", [{ type: "Warning" }]));
});

Deno.test("loading the renderer prints no punycode warning and keeps every other warning", async () => {
  const probe = `import { toSvg } from "./charts/render.ts";
import process from "node:process";
void toSvg;
process.emitWarning("another deprecation", "DeprecationWarning", "DEP0999");`;
  const stderr = await stderrOf(["eval", "--ext=ts", probe]);
  assert.doesNotMatch(stderr, /DEP0040|punycode/);
  assert.match(stderr, /\[DEP0999\] DeprecationWarning: another deprecation/);
});

Deno.test("no step script prints the punycode warning", async () => {
  const scripts: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}/steps`)) {
    if (!entry.name.endsWith(".ts") || entry.name.endsWith("_test.ts")) continue;
    const source = await Deno.readTextFile(`${ROOT}/steps/${entry.name}`);
    if (source.includes("import.meta.main")) scripts.push(`steps/${entry.name}`);
  }
  assert.ok(scripts.includes("steps/walkthrough.ts"), scripts.join(", "));
  for (const script of [...scripts.sort(), "load/cli.ts"]) {
    const stderr = await stderrOf(["run", "--allow-all", script, "--help"]);
    assert.doesNotMatch(stderr, /DEP0040|punycode/, `${script}: ${stderr}`);
  }
});
