// The plan script as users run it: JSON for machines, one clear line and exit 2 for mistakes.
import assert from "node:assert/strict";
import { denoChildEnv } from "../machine/children.ts";

const script = new URL("./plan.ts", import.meta.url).pathname;

async function run(args: string[], stdin?: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", script, ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
    env: denoChildEnv({ NO_COLOR: "1" }),
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("plan --json prints the plan of the original's numbers", async () => {
  const { code, stdout } = await run([
    "--max-tps",
    "500",
    "--min-tps",
    "70",
    "--upper-limit",
    "3300",
    "--json",
  ]);
  assert.equal(code, 0);
  const plan = JSON.parse(stdout);
  assert.equal(plan.minCapacity, 2);
  assert.equal(plan.maxCapacity, 11);
  assert.equal(plan.invocationsPerInstance, 3300);
});

Deno.test("plan with a negative TPS prints one line and exits 2", async () => {
  const { code, stdout, stderr } = await run([
    "--max-tps",
    "-5",
    "--min-tps",
    "70",
    "--upper-limit",
    "3300",
  ]);
  assert.equal(code, 2);
  assert.equal(stdout, "");
  assert.equal(stderr.trim().split("\n").length, 1);
  assert.match(
    stderr,
    /^plan: Cannot plan capacity: max TPS must be a finite number above 0, current value is -5/,
  );
});

Deno.test("plan takes the upper limit from --from - and explicit flags win", async () => {
  const { code, stdout } = await run(
    ["--from", "-", "--max-tps", "500", "--min-tps", "70", "--growth-factor", "1.5", "--json"],
    JSON.stringify({ upperLimit: 3300, growthFactor: 1.1 }),
  );
  assert.equal(code, 0);
  const plan = JSON.parse(stdout);
  assert.equal(plan.upperLimit, 3300);
  assert.equal(plan.growthFactor, 1.5);
  assert.equal(plan.maxCapacity, 14); // ceil(500 x 60 x 1.5 / 3300) = ceil(13.63...)
});

Deno.test("plan names an unknown flag, a missing input and a bad --from file", async () => {
  const unknown = await run(["--bogus"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /Unknown option '--bogus'/);
  const missing = await run(["--min-tps", "70", "--upper-limit", "3300"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Missing --max-tps/);
  const badFrom = await run(["--from", "-"], "not json");
  assert.equal(badFrom.code, 2);
  assert.match(badFrom.stderr, /it is not JSON/);
});

Deno.test("plan --help lists the flags and exits 0", async () => {
  const { code, stdout } = await run(["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /--upper-limit N/);
  assert.match(stdout, /--from FILE/);
});

Deno.test("plan warns on stderr and in --json when one instance carries the whole peak", async () => {
  const args = ["--max-tps", "500", "--min-tps", "70", "--upper-limit", "38000"];
  const { code, stdout, stderr } = await run([...args, "--json"]);
  assert.equal(code, 0);
  const plan = JSON.parse(stdout);
  assert.equal(plan.minCapacity, 1);
  assert.equal(plan.maxCapacity, 1);
  assert.equal(plan.warnings.length, 1);
  assert.equal(stderr, `plan: warning: ${plan.warnings[0]}\n`);
  assert.match(stderr, /pass --max-tps 5758 --min-tps 806/);
  // People see it once, on stderr; the table on stdout does not repeat it.
  const table = await run(args);
  assert.equal(table.stderr, stderr);
  assert.doesNotMatch(table.stdout, /Warning/);
});

Deno.test("plan --scale-to-instance fits the original's TPS to the measured instance", async () => {
  const { code, stdout, stderr } = await run(
    ["--from", "-", "--max-tps", "500", "--min-tps", "70", "--scale-to-instance"],
    JSON.stringify({ upperLimit: 38000 }),
  );
  assert.equal(code, 0);
  assert.equal(stderr, "");
  assert.match(stdout, /Expected TPS +806 to 5758 \(growth factor 1\.2, scaled from 70 to 500/);
  assert.match(stdout, /MinCapacity +2/);
  assert.match(stdout, /MaxCapacity +11/);
});
