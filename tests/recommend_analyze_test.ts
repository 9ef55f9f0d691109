// Proves on the local backend: prepare -> recommend -> analyze gives a real saturation
// curve (at least five levels) whose limits agree with the metrics stored in the local CloudWatch,
// both in one process and as three scripts chained with --from; a model server killed mid-job
// turns the job FAILED with a reason, and no process is left.
import { GetMetricStatisticsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeInferenceRecommendationsJobCommand } from "@aws-sdk/client-sagemaker";
import assert from "node:assert/strict";
import { join } from "node:path";
import { openLocalCloud } from "../cloud/local/mod.ts";
import { analyze } from "../steps/analyze.ts";
import { StepError } from "../steps/errors.ts";
import { prepare } from "../steps/prepare.ts";
import { recommend } from "../steps/recommend.ts";
import { denoChildEnv } from "../machine/children.ts";

const FAST = { benchmarkSecondsPerLevel: 1, benchmarkMaxLevels: 6 };
const ROOT = new URL("../", import.meta.url).pathname;

function alive(pid: number): boolean {
  try {
    return !Deno.readTextFileSync(`/proc/${pid}/stat`).includes(") Z ");
  } catch {
    return false;
  }
}

Deno.test("prepare -> recommend -> analyze: a saturation curve whose limits match the stored metrics", async () => {
  const dir = await Deno.makeTempDir({ prefix: "recommend-" });
  const cloud = openLocalCloud({ localDir: dir, local: FAST });
  try {
    const roleArn = cloud.defaultRoleArn!;
    const prepared = await prepare(cloud, { roleArn, workDir: join(dir, "work") });
    const rec = await recommend(cloud, { ...prepared, roleArn, pollIntervalMs: 60_000 });
    assert.ok(rec.profile, "the local backend keeps the measured capacity profile");
    assert.ok(rec.profile.levels.length >= 5, `${rec.profile.levels.length} levels`);
    assert.match(rec.profile.measuredOn, /this machine/);
    const analysis = await analyze(cloud, { jobName: rec.jobName, instanceType: rec.instanceType });
    assert.equal(analysis.window.source, "invocation-window");
    assert.ok(analysis.series.length >= 5);
    // The maximum is the recommendation's MaxInvocations (successes per minute at saturation),
    // within the errors of that minute, and equals the stored Invocations maximum.
    const stored = await cloud.cloudwatch.send(
      new GetMetricStatisticsCommand({
        Namespace: "AWS/SageMaker",
        MetricName: "Invocations",
        Dimensions: [
          { Name: "EndpointName", Value: rec.benchmarkEndpointName },
          { Name: "VariantName", Value: rec.benchmarkVariantName },
        ],
        StartTime: new Date(analysis.window.start),
        EndTime: new Date(analysis.window.end),
        Period: 60,
        Statistics: ["Sum"],
      }),
    );
    const sums = (stored.Datapoints ?? []).map((d) => d.Sum!);
    assert.equal(sums.length, analysis.series.length);
    assert.equal(analysis.maxValue, Math.max(...sums));
    assert.ok(Math.abs(analysis.maxValue - rec.maxInvocations) <= rec.maxInvocations * 0.01);
    assert.equal(analysis.upperLimit, Math.floor(analysis.maxValue * 55 / 100));
    assert.equal(analysis.lowerLimit, Math.ceil(analysis.maxValue * 45 / 100));
    // Latency rises along the ramp while throughput flattens: the saturation the job looks for.
    const p95 = analysis.series.map((p) => p.modelLatencyP95Ms!);
    assert.ok(p95.at(-1)! > p95[0], `p95 rises: ${p95.join(", ")}`);
    assert.ok(analysis.series.every((p) => (p.cpuUtilization ?? 0) > 0));
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
});

async function script(name: string, args: string[]): Promise<unknown> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "steps", `${name}.ts`), ...args, "--json"],
    stdout: "piped",
    stderr: "piped",
    env: denoChildEnv({ NO_COLOR: "1" }),
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, `${name} failed: ${stderr}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test("prepare, recommend and analyze chain as scripts with --from", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chain-" });
  try {
    // Settings are persisted in the store: later scripts on the folder use the short benchmark.
    await openLocalCloud({ localDir: dir, local: FAST }).close();
    const common = ["--local-dir", join(dir, "state")];
    await openLocalCloud({ localDir: join(dir, "state"), local: FAST }).close();
    const a = join(dir, "a.json");
    const b = join(dir, "b.json");
    await Deno.writeTextFile(
      a,
      JSON.stringify(await script("prepare", [...common, "--work-dir", join(dir, "work")])),
    );
    await Deno.writeTextFile(
      b,
      JSON.stringify(await script("recommend", [...common, "--from", a])),
    );
    const analysis = await script("analyze", [
      ...common,
      "--from",
      b,
      "--out",
      join(dir, "charts"),
    ]) as {
      series: unknown[];
      upperLimit: number;
      maxValue: number;
    };
    assert.ok(analysis.series.length >= 5);
    assert.equal(analysis.upperLimit, Math.floor(analysis.maxValue * 55 / 100));
    const svg = await Deno.readTextFile(join(dir, "charts", "analysis-invocations.svg"));
    assert.match(svg, /^<svg/);
    assert.match(svg, /Upper 55 % of /);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a model server killed mid-job fails the Default job with a reason and leaves no process", async () => {
  const dir = await Deno.makeTempDir({ prefix: "killed-" });
  const pids: number[] = [];
  const cloud = openLocalCloud({
    localDir: dir,
    local: { benchmarkSecondsPerLevel: 2, benchmarkMaxLevels: 8 },
    defaultJob: {
      onServerStarted(serverPids) {
        pids.push(...serverPids);
        setTimeout(() => Deno.kill(serverPids[0], "SIGKILL"), 3_000);
      },
      onLoadStarted: (pid) => pids.push(pid),
    },
  });
  try {
    const roleArn = cloud.defaultRoleArn!;
    const prepared = await prepare(cloud, { roleArn, workDir: join(dir, "work") });
    let jobName = "";
    await assert.rejects(recommend(cloud, { ...prepared, roleArn }), (error: unknown) => {
      assert.ok(error instanceof StepError);
      assert.match(
        error.message,
        /^recommend: Inference Recommender job "(.+)" FAILED: The model server exited during the benchmark \(signal SIGKILL\)/,
      );
      jobName = /job "(.+?)"/.exec(error.message)![1];
      return true;
    });
    const job = await cloud.sagemaker.send(
      new DescribeInferenceRecommendationsJobCommand({ JobName: jobName }),
    );
    assert.equal(job.Status, "FAILED");
    assert.match(job.FailureReason ?? "", /model server exited/);
    assert.ok(pids.length >= 2, "the server and the load generator had started");
    await new Promise((r) => setTimeout(r, 200));
    for (const pid of pids) assert.ok(!alive(pid), `process ${pid} is gone`);
  } finally {
    await cloud.close();
    await Deno.remove(dir, { recursive: true });
  }
});
