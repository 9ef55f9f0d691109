// Proves the sweep step: every input has a default (a profile alone runs), the --json shape is
// { profile, patterns, candidates, results, pareto, chosen } with chosen.config a ScalingConfig that
// export reads, the original's 40/50/70 % rule is placed on each pattern, the objective moves the
// choice, a replayed trace keeps its total, a bad trace row names its line, and the script exits 2
// with one line on bad input. `sweep --from` a recommend result without a profile (as AWS writes
// it) builds the profile from the Default job's CloudWatch metrics on the local backend and runs
// end to end; `--profile x.json` (an AWS credentials profile flag) is refused before any backend
// is opened.
import assert from "node:assert/strict";
import { join } from "node:path";
import { openLocalCloud } from "../cloud/local/mod.ts";
import { setProgressMode } from "../progress/mod.ts";
import { prepare } from "./prepare.ts";
import { recommend } from "./recommend.ts";
import { sweep } from "./sweep.ts";
import { configFrom } from "./export.ts";
import { InputError } from "./errors.ts";
import type { CapacityProfile } from "../sim/profile.ts";
import type { GridCandidate } from "./sweep_grid.ts";

const profile: CapacityProfile = JSON.parse(
  await Deno.readTextFile(new URL("../tests/fixtures/capacity_profile.json", import.meta.url)),
);

Deno.test("sweep: a profile alone runs the default grid on ramp, spike and diurnal", async () => {
  const report = await sweep({ profile });
  assert.deepEqual(report.patterns.map((p) => p.name), ["ramp", "spike", "diurnal"]);
  assert.deepEqual(Object.keys(report).filter((k) => k !== "settings"), [
    "profile",
    "patterns",
    "candidates",
    "results",
    "pareto",
    "chosen",
  ]);
  assert.equal(report.results.length, report.candidates.length * 3);
  for (const p of report.patterns) assert.ok(p.totalInvocations > 0 && p.peakPerMinute > 0);
  // Each pattern's front is non-dominated and the rule of thumb is placed on it.
  for (const [i, front] of report.pareto.entries()) {
    const rows = report.results.filter((r) => r.pattern === report.patterns[i].name);
    for (const c of front.front) {
      const f = rows[c];
      assert.ok(
        !rows.some((r) =>
          r.cost <= f.cost && r.availability >= f.availability &&
          (r.cost < f.cost || r.availability > f.availability)
        ),
        `${f.label} is dominated`,
      );
    }
    assert.deepEqual(front.rules.map((r) => r.rule), [40, 50, 70]);
  }
  // Balanced: at least 99.9 % on every pattern, and nothing cheaper is.
  const chosen = report.chosen.scores;
  assert.ok(chosen.every((s) => s.availability >= 0.999), report.chosen.reason);
  const total = (c: number) =>
    report.results.filter((r) => r.candidate === c).reduce((a, r) => a + r.cost, 0);
  for (let c = 0; c < report.candidates.length; c++) {
    const ok = report.results.filter((r) => r.candidate === c).every((r) =>
      r.availability >= 0.999
    );
    if (ok) assert.ok(total(c) >= total(report.chosen.candidate));
  }
  // export reads the choice.
  const json = JSON.parse(JSON.stringify(report));
  assert.deepEqual(configFrom(json), report.chosen.config);
  assert.match(report.chosen.reason, /cheapest candidate at least 99\.90 % available/);
});

const fixed = (label: string, min: number, max: number): GridCandidate => ({
  config: {
    label,
    instanceType: "ml.c5.large",
    minCapacity: min,
    maxCapacity: max,
    targetTracking: [{ metric: "invocations", target: 1500 }],
  },
});

Deno.test("sweep: the objective moves the choice between cheap and safe", async () => {
  const candidates = [fixed("small", 1, 2), fixed("large", 6, 6)];
  const cost = await sweep({
    profile,
    patterns: ["spike"],
    candidates,
    objective: "cost",
    minAvailability: 0.5,
  });
  const safe = await sweep({ profile, patterns: ["spike"], candidates, objective: "availability" });
  assert.equal(cost.chosen.label, "small");
  assert.equal(safe.chosen.label, "large");
  assert.ok(safe.chosen.scores[0].availability > cost.chosen.scores[0].availability);
});

Deno.test("sweep: a replayed trace keeps the file's total; a bad row names its line", async () => {
  const files: Record<string, string> = {
    "good.csv":
      "timestamp,invocations\n2026-01-05T00:00:00Z,600\n2026-01-05T00:01:00Z,900\n2026-01-05T00:05:00Z,300\n",
    "bad.csv": "timestamp,invocations\n2026-01-05T00:00:00Z,600\nnot-a-time,5\n",
  };
  const readFile = (path: string) => Promise.resolve(files[path]);
  const report = await sweep({
    profile,
    patterns: ["trace:good.csv"],
    readFile,
    candidates: [fixed("one", 1, 3)],
  });
  assert.equal(report.patterns[0].totalInvocations, 1800);
  assert.equal(report.patterns[0].minutes, 6);
  await assert.rejects(
    () =>
      sweep({ profile, patterns: ["trace:bad.csv"], readFile, candidates: [fixed("one", 1, 3)] }),
    (e: Error) => e instanceof InputError && /line 3/.test(e.message),
  );
});

const SWEEP_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-net",
  "--allow-sys",
];

/** Runs steps/NAME.ts with the sweep's permissions; stdout and trimmed stderr as text. */
async function taskScript(name: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...SWEEP_PERMISSIONS, new URL(`./${name}.ts`, import.meta.url).pathname, ...args],
    stdout: "piped",
    stderr: "piped",
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr).trim() };
}

const sweepScript = (...args: string[]) => taskScript("sweep", ...args);

Deno.test("sweep script: bad input exits 2 with one line", async () => {
  const run = sweepScript;

  const fixture = new URL("../tests/fixtures/capacity_profile.json", import.meta.url).pathname;
  const cases = [
    [["--pattern", "wave"], /use ramp, step, spike/],
    [["--capacity-profile", fixture, "--pattern", "wave"], /use ramp, step, spike/],
    [["--capacity-profile", fixture, "--objective", "fast"], /use availability, balanced or cost/],
    [["--capacity-profile", fixture, "--pattern", "spike:-2"], /factor must be a number above 0/],
  ] as const;
  for (const [args, message] of cases) {
    const r = await run(...args);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr.split("\n").length, 1, r.stderr);
    assert.match(r.stderr, args[0] === "--pattern" ? /no capacity profile/ : message);
  }
});

Deno.test("sweep script: --from a recommend result's profile, --json, then export --from sweep.json", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sweep-test-" });
  try {
    const recommendation = `${dir}/recommendation.json`;
    await Deno.writeTextFile(
      recommendation,
      JSON.stringify({ instanceType: "ml.c5.large", profile }),
    );
    const script = taskScript;
    const swept = await script("sweep", "--from", recommendation, "--pattern", "spike", "--json");
    assert.equal(swept.code, 0, swept.stderr);
    const report = JSON.parse(swept.stdout);
    assert.equal(report.profile.instanceType, "ml.c5.large");
    await Deno.writeTextFile(`${dir}/sweep.json`, JSON.stringify(report));
    const exported = await script("export", "--from", `${dir}/sweep.json`, "--format", "terraform");
    assert.equal(exported.code, 0, exported.stderr);
    const tf = JSON.parse(exported.stdout);
    const target = Object.values(tf.resource.aws_appautoscaling_target)[0] as Record<
      string,
      unknown
    >;
    assert.equal(target.min_capacity, report.chosen.config.minCapacity);
    assert.equal(target.max_capacity, report.chosen.config.maxCapacity);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep script: --local-profile original alone runs and chooses", async () => {
  const out = await sweepScript("--local-profile", "original", "--json");
  assert.equal(out.code, 0, out.stderr);
  const report = JSON.parse(out.stdout);
  assert.equal(report.profile.instanceType, "ml.c5.large");
  assert.deepEqual(report.patterns.map((p: { name: string }) => p.name), [
    "ramp",
    "spike",
    "diurnal",
  ]);
  assert.equal(report.settings.objective, "balanced");
  assert.ok(report.chosen.config.maxCapacity >= report.chosen.config.minCapacity);
  assert.match(report.chosen.reason, /balanced/);
});

Deno.test("sweep script: --from a recommend result without a profile reads its job's metrics", async () => {
  setProgressMode("quiet");
  const dir = await Deno.makeTempDir({ prefix: "sweep-job-profile-" });
  try {
    const state = join(dir, "state");
    // A Default job on a type with a given profile runs no benchmark; it writes the benchmark
    // variant's per-minute series as a measured job does.
    const cloud = openLocalCloud({ localDir: state, local: { profile } });
    let recommendation;
    try {
      const roleArn = cloud.defaultRoleArn!;
      const prepared = await prepare(cloud, { roleArn, workDir: join(dir, "work") });
      recommendation = await recommend(cloud, { ...prepared, roleArn, pollIntervalMs: 60_000 });
    } finally {
      await cloud.close();
    }
    const { profile: _given, ...withoutProfile } = recommendation;
    const rec = join(dir, "rec.json");
    await Deno.writeTextFile(rec, JSON.stringify(withoutProfile));
    const candidates = join(dir, "candidates.json");
    await Deno.writeTextFile(candidates, JSON.stringify([fixed("one", 1, 3).config]));
    const swept = await sweepScript(
      "--local-dir",
      state,
      "--from",
      rec,
      "--candidates",
      candidates,
      "--pattern",
      "spike",
      "--json",
    );
    assert.equal(swept.code, 0, swept.stderr);
    assert.ok(
      swept.stderr.split("\n").includes(
        `sweep: built the capacity profile from Default job ${recommendation.jobName}'s CloudWatch metrics (${profile.levels.length} minutes)`,
      ),
      swept.stderr,
    );
    const report = JSON.parse(swept.stdout);
    assert.match(report.profile.measuredOn, new RegExp(`Default job ${recommendation.jobName}`));
    const throughputs = report.profile.levels.map((l: { throughput: number }) => l.throughput);
    assert.ok(Math.abs(Math.max(...throughputs) - 50) < 0.5, `${throughputs}`);
    assert.deepEqual(report.patterns.map((p: { name: string }) => p.name), ["spike"]);
    assert.equal(report.chosen.label, "one");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sweep script: --profile FILE is refused in one line before any backend opens", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sweep-profile-flag-" });
  try {
    const state = join(dir, "state");
    const existing = join(dir, "capacity");
    await Deno.writeTextFile(existing, JSON.stringify(profile));
    const rec = join(dir, "rec.json");
    // Without a profile, so that the sweep would open the backend to read the job's metrics.
    await Deno.writeTextFile(
      rec,
      JSON.stringify({
        jobName: "j",
        benchmarkEndpointName: "j-bench",
        instanceType: "ml.c5.large",
        invocationStartTime: "2026-01-05T10:00:00.000Z",
        invocationEndTime: "2026-01-05T10:15:00.000Z",
      }),
    );
    for (const value of ["x.json", existing]) {
      for (
        const backend of [["--local-dir", state], ["--backend", "aws", "--region", "us-east-1"]]
      ) {
        const r = await sweepScript(...backend, "--profile", value, "--from", rec);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(
          r.stderr,
          "sweep: Cannot use --profile FILE: --profile names an AWS credentials profile; pass the capacity profile as --capacity-profile FILE",
        );
      }
    }
    // The local backend was never opened: its folder does not exist.
    await assert.rejects(() => Deno.stat(state), Deno.errors.NotFound);
    // An AWS profile name is still a profile name: the sweep goes on (and here finds no job).
    const named = await sweepScript("--local-dir", state, "--profile", "lab", "--from", rec);
    assert.equal(named.code, 2, named.stderr);
    assert.match(named.stderr, /^sweep: Cannot build a capacity profile from Default job j: /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
