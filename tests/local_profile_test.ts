// Proves issue 13.5 on the local backend: with a given capacity profile (`original`), a Default
// job on its type runs no benchmark and reports the profile ("from profile, not measured"), its
// CloudWatch Invocations follow the profile's ramp so that analyze finds 9,068 (limits 4,987 /
// 4,081) and plan gives 8 / 1 for 500 / 70 TPS; and `--local-profile` works on the scripts, with
// a one-line error (exit 2) for a file that is not a profile.
import assert from "node:assert/strict";
import { join } from "node:path";
import { openLocalCloud } from "../cloud/local/mod.ts";
import { denoChildEnv } from "../machine/children.ts";
import { ORIGINAL_PROFILE } from "../sim/profiles/original.ts";
import { analyze } from "../steps/analyze.ts";
import { planCapacity } from "../steps/plan.ts";
import { prepare } from "../steps/prepare.ts";
import { recommend } from "../steps/recommend.ts";

const ROOT = new URL("../", import.meta.url).pathname;

Deno.test("a Default job on a type with a given profile reports it, and analyze finds its peak", async () => {
  const dir = await Deno.makeTempDir({ prefix: "given-profile-" });
  const cloud = openLocalCloud({ localDir: dir, local: { profile: ORIGINAL_PROFILE } });
  try {
    const roleArn = cloud.defaultRoleArn!;
    const prepared = await prepare(cloud, { roleArn, workDir: join(dir, "work") });
    const rec = await recommend(cloud, { ...prepared, roleArn, pollIntervalMs: 60_000 });
    assert.equal(rec.instanceType, "ml.c5.large");
    assert.equal(rec.maxInvocations, 9068);
    assert.match(rec.profile?.measuredOn ?? "", /^from profile, not measured/);
    assert.equal(rec.profile?.levels.length, ORIGINAL_PROFILE.levels.length);
    const analysis = await analyze(cloud, { jobName: rec.jobName, instanceType: rec.instanceType });
    assert.equal(analysis.maxValue, 9068);
    assert.equal(analysis.series.length, ORIGINAL_PROFILE.levels.length);
    assert.equal(analysis.upperLimit, 4987);
    assert.equal(analysis.lowerLimit, 4081);
    const plan = planCapacity({ maxTps: 500, minTps: 70, upperLimit: analysis.upperLimit });
    assert.equal(plan.maxCapacity, 8);
    assert.equal(plan.minCapacity, 1);
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
});

async function script(name: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "steps", `${name}.ts`), ...args],
    stdout: "piped",
    stderr: "piped",
    env: denoChildEnv({ NO_COLOR: "1" }),
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("--local-profile: original on the scripts, one-line errors for a bad file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "local-profile-" });
  try {
    const common = ["--local-dir", join(dir, "state")];
    const bad = join(dir, "bad.json");
    await Deno.writeTextFile(bad, JSON.stringify({ instanceType: "ml.c5.large", vCpus: 0 }));
    const refused = await script("recommend", [...common, "--local-profile", bad]);
    assert.equal(refused.code, 2);
    assert.equal(
      refused.stderr.trim(),
      `recommend: --local-profile: Cannot use the capacity profile in "${bad}": "vCpus" must be a whole number >= 1`,
    );
    const aws = await script("recommend", ["--backend", "aws", "--local-profile", "original"]);
    assert.equal(aws.code, 2);
    assert.match(aws.stderr, /Cannot use --local-profile with --backend aws/);
    const a = join(dir, "a.json");
    const prepared = await script("prepare", [
      ...common,
      "--local-profile",
      "original",
      "--work-dir",
      join(dir, "work"),
      "--json",
    ]);
    assert.equal(prepared.code, 0, prepared.stderr);
    await Deno.writeTextFile(a, prepared.stdout);
    const rec = await script("recommend", [
      ...common,
      "--local-profile",
      "original",
      "--from",
      a,
      "--json",
    ]);
    assert.equal(rec.code, 0, rec.stderr);
    const result = JSON.parse(rec.stdout);
    assert.equal(result.maxInvocations, 9068);
    assert.match(result.profile.measuredOn, /from profile, not measured/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
