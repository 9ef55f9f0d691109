// The layout check on small trees written to a temp folder: each rule of layout.md fires on a
// tree that breaks it (a step importing cloud/local/ among them), a clean tree passes, imports
// that only appear in comments, strings or template text are not imports, and the script's main
// exits 1 with one line per violation.
import assert from "node:assert/strict";
import { join } from "node:path";
import { checkLayout, formatViolation, type Violation } from "./check_layout.ts";

/** Writes `files` (root-relative path → text) under a new temp folder and returns the folder. */
async function writeTree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "layout-" });
  for (const [path, text] of Object.entries(files)) {
    const full = join(root, path);
    await Deno.mkdir(join(full, ".."), { recursive: true });
    await Deno.writeTextFile(full, text);
  }
  return root;
}

/** Checks a tree and returns `file:line rule` for each violation. */
async function check(files: Record<string, string>): Promise<string[]> {
  const root = await writeTree(files);
  try {
    return (await checkLayout(root)).map((v) => `${v.file}:${v.line} ${v.rule}`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function violations(files: Record<string, string>): Promise<Violation[]> {
  const root = await writeTree(files);
  try {
    return await checkLayout(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const CLEAN: Record<string, string> = {
  "deno.json": JSON.stringify({ imports: { "@lab/": "./", "vega": "npm:vega@5" } }),
  "mod.ts": 'export * from "./steps/scale.ts";\nexport { openCloud } from "./cloud/open.ts";\n',
  "cloud/types.ts": "export interface Cloud { region: string }\n",
  "cloud/open.ts": [
    'import type { Cloud } from "./types.ts";',
    "export async function openCloud(): Promise<Cloud> {",
    '  const { openLocalCloud } = await import("./local/mod.ts");',
    "  return openLocalCloud();",
    "}",
  ].join("\n"),
  "cloud/local/mod.ts": [
    'import type { Cloud } from "../types.ts";',
    'import { handle } from "./sagemaker/mod.ts";',
    'export function openLocalCloud(): Cloud { handle(); return { region: "x" }; }',
  ].join("\n"),
  "cloud/local/kernel/store.ts": "export function put(key: string, value: string) {}\n",
  "cloud/local/sagemaker/mod.ts": [
    'import { put } from "../kernel/store.ts";',
    'import { record } from "./records.ts";',
    'import { metric } from "../cloudwatch/mod.ts";',
    "export function handle() { put(record(), metric()); }",
  ].join("\n"),
  "cloud/local/sagemaker/records.ts": 'export const record = () => "r";\n',
  "cloud/local/cloudwatch/mod.ts": 'export const metric = (): string => "m";\n',
  "cloud/local/recommender/default_job/runner.ts":
    'import { handle } from "../../sagemaker/mod.ts";\nimport "../../../../model/server.ts";\nhandle();\n',
  "model/server.ts": "export const port = 8080;\n",
  "steps/scale.ts": [
    'import type { Cloud } from "../cloud/types.ts";',
    'import { mean } from "@lab/sim/stats.ts";',
    "/** Two required, then options. */",
    "export function scale(cloud: Cloud, count: number, options: { dryRun?: boolean } = {}) {",
    "  return [cloud, count, options, mean([1])];",
    "}",
    "export function optional(a: number, b: number, c?: number, d = 1, ...rest: number[]) {",
    "  return [a, b, c, d, rest];",
    "}",
    "function internal(a: number, b: number, c: number, d: number) { return a + b + c + d; }",
    "export const arrow = (a: number, b: number) => internal(a, b, 1, 2);",
    "export class Scaler { apply(a: number, b: number, c: number) { return a + b + c; } }",
    "export function withThis(this: unknown, a: number, b: number) { return [this, a, b]; }",
  ].join("\n"),
  "steps/scale_test.ts":
    'import { openLocalCloud } from "../cloud/local/mod.ts";\nopenLocalCloud();\n',
  "sim/stats.ts": "export function mean(xs: number[]): number { return xs[0]; }\n",
  "sim/stats_test.ts":
    'import { mean } from "./stats.ts";\nimport assert from "node:assert/strict";\nDeno.test("m", () => assert.equal(mean([1]), 1));\n',
  "charts/render.ts":
    'export async function render(p: string) { await Deno.writeTextFile(p, ""); }\n',
  "charts/rules.ts": "export const rules = [];\n",
  "charts/rules_test.ts": 'Deno.test("r", () => {});\n',
  "node_modules/pkg/index.ts": 'import "./index.ts";\nexport function f(a: 1, b: 2, c: 3) {}\n',
  ".cache/x.ts": 'import "./x.ts";\n',
};

Deno.test("a clean tree has no violations", async () => {
  assert.deepEqual(await check(CLEAN), []);
});

Deno.test("a file in steps/ that imports cloud/local/ fails, whatever the import's form", async () => {
  assert.deepEqual(
    await check({
      ...CLEAN,
      "steps/recommend.ts": [
        'import { openLocalCloud } from "../cloud/local/mod.ts";',
        'import type { Store } from "../cloud/local/kernel/store.ts";',
        'export { put } from "../cloud/local/kernel/store.ts";',
        "export async function load(): Promise<Store | undefined> {",
        '  await import("../cloud/local/sagemaker/mod.ts");',
        '  const p: import("../cloud/local/cloudwatch/mod.ts").Metric | undefined = undefined;',
        "  return openLocalCloud() && p;",
        "}",
      ].join("\n"),
    }),
    [
      "steps/recommend.ts:1 steps-no-local",
      "steps/recommend.ts:2 steps-no-local",
      "steps/recommend.ts:3 steps-no-local",
      "steps/recommend.ts:5 steps-no-local",
      "steps/recommend.ts:6 steps-no-local",
    ],
  );
});

Deno.test("the violation line says what is wrong and what to do", async () => {
  const [v] = await violations({
    ...CLEAN,
    "steps/recommend.ts": 'import { openLocalCloud } from "../cloud/local/mod.ts";\n',
  });
  assert.equal(
    formatViolation(v),
    "steps/recommend.ts:1: steps-no-local: steps/ imports cloud/local/mod.ts; declare what the step needs on the seam (cloud/types.ts) so it works on AWS too",
  );
});

Deno.test("sim/ imports nothing from cloud/, steps/, model/ or charts/, type imports included", async () => {
  assert.deepEqual(
    await check({
      ...CLEAN,
      "sim/fleet.ts": [
        'import type { Cloud } from "../cloud/types.ts";',
        'import { scale } from "../steps/scale.ts";',
        'import { port } from "../model/server.ts";',
        'import { type rules } from "../charts/rules.ts";',
        'import { mean } from "./stats.ts";',
        "export const f = (c: Cloud) => [c, scale, port, mean];",
        'export type R = typeof rules | import("../cloud/local/mod.ts").X;',
      ].join("\n"),
      // the import rule holds in sim/ tests too
      "sim/fleet_test.ts": 'import "../cloud/local/mod.ts";\n',
    }),
    [
      "sim/fleet.ts:1 sim-pure",
      "sim/fleet.ts:2 sim-pure",
      "sim/fleet.ts:3 sim-pure",
      "sim/fleet.ts:4 sim-pure",
      "sim/fleet.ts:7 sim-pure",
      "sim/fleet_test.ts:1 sim-pure",
    ],
  );
});

Deno.test("sim/ uses no Deno and no node: module outside its tests", async () => {
  const found = await violations({
    ...CLEAN,
    "sim/clock.ts": [
      "export function now(): number {",
      "  // Deno.now() in a comment is not a use",
      '  const s = "Deno.env";',
      "  return Date.now() + s.length + Deno.pid + (globalThis.Deno ? 1 : 0);",
      "}",
      "export type P = Deno.PermissionState;",
    ].join("\n"),
    "sim/io.ts": 'import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n',
  });
  assert.deepEqual(found.map((v) => `${v.file}:${v.line} ${v.rule}`), [
    "sim/clock.ts:4 sim-pure",
    "sim/io.ts:1 sim-pure",
  ]);
  assert.match(found[0].message, /first of 3 uses/);
  assert.match(found[1].message, /node:fs/);
});

Deno.test("a service imports another service only through its mod.ts", async () => {
  assert.deepEqual(
    await check({
      ...CLEAN,
      "cloud/local/autoscaling/engine.ts": [
        'import { metric } from "../cloudwatch/mod.ts";',
        'import type { record } from "../sagemaker/records.ts";',
        'import { put } from "../kernel/store.ts";',
        "export const e = [metric, put] as unknown as typeof record;",
      ].join("\n"),
      "cloud/local/recommender/default_job/metrics.ts":
        'import { record } from "../../sagemaker/records.ts";\nexport const m = record;\n',
    }),
    [
      "cloud/local/autoscaling/engine.ts:2 service-through-mod",
      "cloud/local/recommender/default_job/metrics.ts:1 service-through-mod",
    ],
  );
});

Deno.test("kernel/ imports no service folder, not even its mod.ts", async () => {
  assert.deepEqual(
    await check({
      ...CLEAN,
      "cloud/local/kernel/dispatch.ts": [
        'import { put } from "./store.ts";',
        'import type { handle } from "../sagemaker/mod.ts";',
        'import "../../types.ts";',
        "export const d: typeof handle = () => put();",
      ].join("\n"),
    }),
    ["cloud/local/kernel/dispatch.ts:2 kernel-no-service"],
  );
});

Deno.test("production code (benchmarks aside) imports no test support and uses no name kept for tests", async () => {
  assert.deepEqual(
    await check({
      ...CLEAN,
      "cloud/local/kernel/store/mod.ts":
        'export const RAW_SQL_READ = Symbol("raw");\nexport class Store { [RAW_SQL_READ]() {} }\n',
      "cloud/local/testdata/store_query.ts":
        'import { RAW_SQL_READ, Store } from "../kernel/store/mod.ts";\nexport const q = (s: Store) => s[RAW_SQL_READ]();\n',
      "cloud/local/kernel/store/mod_test.ts":
        'import { q } from "../../testdata/store_query.ts";\nDeno.test("q", () => q);\n',
      "cloud/local/sagemaker/list.ts": [
        'import { q } from "../testdata/store_query.ts";',
        'import { RAW_SQL_READ } from "../kernel/store/mod.ts";',
        "export const l = [q, RAW_SQL_READ];",
      ].join("\n"),
      "steps/scale.ts": 'import { fixture } from "./scale_test.ts";\nexport const s = fixture;\n',
      // The benchmarks drive the tests' harnesses.
      "bench/store_bench.ts":
        'import { q } from "../cloud/local/testdata/store_query.ts";\nexport const b = q;\n',
    }),
    [
      "cloud/local/sagemaker/list.ts:1 test-support",
      "cloud/local/sagemaker/list.ts:2 test-support",
      "steps/scale.ts:1 test-support",
    ],
  );
});

Deno.test("charts/ uses Deno only in render.ts (and tests)", async () => {
  assert.deepEqual(
    await check({
      ...CLEAN,
      "charts/analysis.ts":
        'export async function save() {\n  await Deno.writeTextFile("a", "");\n}\n',
    }),
    ["charts/analysis.ts:2 charts-no-io"],
  );
});

Deno.test("an import cycle fails and the violation prints the cycle, type-only edges included", async () => {
  const found = await violations({
    ...CLEAN,
    "load/engine.ts": 'import type { Epoll } from "./epoll_engine.ts";\nexport type E = Epoll;\n',
    "load/epoll_engine.ts": 'import type { E } from "./engine.ts";\nexport type Epoll = E;\n',
  });
  assert.deepEqual(found.map(formatViolation), [
    "load/engine.ts:1: import-cycle: load/engine.ts → load/epoll_engine.ts → load/engine.ts; move what both sides need into a file of its own (type-only imports count)",
  ]);
});

Deno.test("a longer cycle through export-from and a dynamic import is found once", async () => {
  const found = await violations({
    ...CLEAN,
    "load/a.ts": 'export { b } from "./b.ts";\n',
    "load/b.ts": 'export const b = () => import("./c.ts");\n',
    "load/c.ts": '\n\nimport "./a.ts";\nimport "./d.ts";\n',
    "load/d.ts": 'import "./c.ts";\n',
  });
  assert.equal(found.length, 1);
  assert.equal(found[0].rule, "import-cycle");
  assert.equal(found[0].file, "load/a.ts");
  assert.match(found[0].message, /^load\/a\.ts → load\/b\.ts → load\/c\.ts → load\/a\.ts; 4 files/);
  assert.match(found[0].message, /load\/d\.ts/);
});

Deno.test("a file that imports itself is a cycle", async () => {
  assert.deepEqual(
    await check({ ...CLEAN, "load/self.ts": '\nimport "./self.ts";\n' }),
    ["load/self.ts:2 import-cycle"],
  );
});

Deno.test("an exported function with three required positional parameters fails (a last options does not count)", async () => {
  const found = await violations({
    ...CLEAN,
    "load/shape.ts": [
      "export function three(a: number, b: number, c: number) {}",
      "export async function four(a: number, b: number, c: number, d: number | undefined, e?: 1) {}",
      "export const arrow = async (a: number, { b }: { b: number }, [c]: number[]) => {};",
      "export const expr = function (a: number, b: number, c = 1, d: number) {};",
      "function later(a: number, b: number, c: number) {}",
      "const laterArrow = (a: number, b: number, c: number) => {};",
      "export { later, laterArrow as renamed };",
      "export default function (a: number, b: number, c: number) {}",
      "export function over(a: number, b: number, c: number): void;",
      "export function over(a: number, b: number, c?: number): void {}",
      "export function withOptions(a: number, b: number, options: { c: number }) {}",
      "export function threeAndOptions(a: number, b: number, c: number, options: { d: 1 }) {}",
      "export function optionsFirst(options: { a: 1 }, b: number, c: number) {}",
    ].join("\n"),
  });
  assert.deepEqual(found.map((v) => `${v.file}:${v.line} ${v.rule}`), [
    "load/shape.ts:1 function-shape",
    "load/shape.ts:2 function-shape",
    "load/shape.ts:3 function-shape",
    "load/shape.ts:4 function-shape",
    "load/shape.ts:5 function-shape",
    "load/shape.ts:6 function-shape",
    "load/shape.ts:8 function-shape",
    "load/shape.ts:9 function-shape",
    "load/shape.ts:12 function-shape",
    "load/shape.ts:13 function-shape",
  ]);
  assert.match(found[1].message, /four\(\) takes 4 required positional parameters/);
  assert.match(found[3].message, /expr\(\) takes 3 required/);
});

Deno.test("imports inside comments, strings and template text are not imports", async () => {
  assert.deepEqual(
    await check({
      ...CLEAN,
      "steps/doc.ts": [
        "/**",
        ' * import { openLocalCloud } from "../cloud/local/mod.ts";',
        " */",
        '// import "../cloud/local/mod.ts";',
        "export const a = 'import \"../cloud/local/mod.ts\"';",
        'export const b = `import("../cloud/local/mod.ts") ${a} import "../cloud/local/mod.ts"`;',
        'export const c = /import\\("..\\/cloud\\/local\\/mod.ts"\\)/;',
      ].join("\n"),
    }),
    [],
  );
});

Deno.test("excluded and hidden folders are not checked", async () => {
  const root = await writeTree({
    ...CLEAN,
    "vendor/steps/x.ts": 'import "../../cloud/local/mod.ts";\nimport "./x.ts";\n',
  });
  try {
    assert.equal((await checkLayout(root)).length, 1);
    assert.deepEqual(await checkLayout(root, { exclude: ["vendor", "node_modules"] }), []);
    // the option replaces the default list: node_modules/ is checked again
    assert.equal((await checkLayout(root, { exclude: ["vendor"] })).length, 2);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the script prints one line per violation and exits 1; a clean tree exits 0", async () => {
  const script = new URL("./check_layout.ts", import.meta.url).pathname;
  const run = async (root: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-env", script, root],
      env: { NO_COLOR: "1" },
    }).output();
    return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
  };
  const bad = await writeTree({
    ...CLEAN,
    "steps/recommend.ts": 'import "../cloud/local/mod.ts";\n',
    "charts/a.ts": "export const a = Deno.pid;\n",
  });
  const good = await writeTree(CLEAN);
  try {
    const failed = await run(bad);
    assert.equal(failed.code, 1);
    assert.deepEqual(failed.stdout.trim().split("\n").map((l) => l.split(": ")[0]), [
      "charts/a.ts:1",
      "steps/recommend.ts:1",
    ]);
    assert.equal((await run(good)).code, 0);
  } finally {
    await Deno.remove(bad, { recursive: true });
    await Deno.remove(good, { recursive: true });
  }
});
