// Proves "nothing is left behind" under failure, on the local backend: the walkthrough runs as
// a real process and, in each of its steps in turn, is killed with SIGKILL, interrupted with
// SIGINT, or meets an AWS-shaped InternalFailure from the backend (SCALING_LOCAL_FAULT). After
// `cleanup --orphans --yes` no resource is left (tests/_inventory.ts, and no running Recommender
// job), no process the run started listens on a port, and no folder is left in its temp dir.
// SIGINT must also end the run with exit 130, an injected error with exit 1 naming the step; a
// second SIGINT stops the run's own cleanup, names `cleanup --orphans`, which then finishes it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { ListInferenceRecommendationsJobsCommand } from "@aws-sdk/client-sagemaker";
import { FAULT_ENV } from "../cloud/local/kernel/faults.ts";
import { openLocalCloud } from "../cloud/local/mod.ts";
import { inventory, inventoryLines } from "./_inventory.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const BUCKET = "sagemaker-us-east-1-000000000000";
/** The shortest benchmark the walkthrough test uses, and the shortest evaluation ramp allowed. */
const FAST = { benchmarkSecondsPerLevel: 1, benchmarkMaxLevels: 6 };
const EVALUATION_SECONDS = "120";

/**
 * The steps of the walkthrough that call the backend, and the call to fail in each. `slow`
 * delays a call for the signal cases of a step too quick to be caught otherwise: the signal is
 * sent as the step starts, while that call waits.
 */
const STEPS: { step: string; fault: string; slow?: string }[] = [
  { step: "prepare", fault: "PutObject:2" },
  { step: "recommend", fault: "CreateInferenceRecommendationsJob:1" },
  { step: "analyze", fault: "GetMetricData:1" },
  { step: "scale", fault: "PutScalingPolicy:1" },
  { step: "evaluate", fault: "CreateInferenceRecommendationsJob:2" },
  { step: "cleanup", fault: "DeleteEndpoint:1", slow: "DeleteEndpoint:1@3000" },
];

type Failure = "SIGKILL" | "SIGINT" | "SIGINT twice" | "error";

/** Lines of a child's stderr as they come; `waitFor` resolves at the first line matching. */
class Lines {
  readonly all: string[] = [];
  #waiters: { re: RegExp; resolve: (line: string | undefined) => void }[] = [];
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = (async () => {
      let rest = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + chunk).split("\n");
        rest = parts.pop()!;
        for (const line of parts) this.#add(line);
      }
      if (rest) this.#add(rest);
      for (const w of this.#waiters) w.resolve(undefined);
      this.#waiters = [];
    })();
  }

  #add(line: string) {
    this.all.push(line);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.re.test(line)) return true;
      w.resolve(line);
      return false;
    });
  }

  /** Resolves at the next line (or the end of the stream). */
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push({ re: /(?:)/, resolve: () => resolve() }));
  }

  /** The first line (from now on, or already seen) matching; undefined when the stream ends. */
  waitFor(re: RegExp): Promise<string | undefined> {
    const seen = this.all.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ re, resolve }));
  }
}

/** Processes whose environment carries `marker` (the run and everything it started). */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const environ = Deno.readTextFileSync(`/proc/${entry.name}/environ`);
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      if (environ.includes(marker) && !stat.includes(") Z ")) pids.push(Number(entry.name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

/** Listening TCP sockets (`addr:port`) held by the given processes (/proc/net/tcp, state 0A). */
function listenersOf(pids: readonly number[]): string[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of Deno.readDirSync(`/proc/${pid}/fd`)) {
        const link = Deno.readLinkSync(`/proc/${pid}/fd/${fd.name}`);
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m) inodes.add(m[1]);
      }
    } catch {
      // gone meanwhile
    }
  }
  const out: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const row of Deno.readTextFileSync(table).split("\n").slice(1)) {
      const cols = row.trim().split(/\s+/);
      if (cols.length > 9 && cols[3] === "0A" && inodes.has(cols[9])) {
        out.push(`${cols[1]} (port ${parseInt(cols[1].split(":")[1], 16)})`);
      }
    }
  }
  return out;
}

/** Ends whatever a case started and left running (ours by the marker), and removes its folder. */
async function endCase(marker: string, dir: string): Promise<void> {
  for (const pid of processesWith(marker)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}

/** Runs a task script of the repository in `cwd`. */
function script(
  name: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--config",
      join(ROOT, "deno.json"),
      join(ROOT, "steps", name),
      ...args,
    ],
    cwd: options.cwd,
    env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

interface CaseOutcome {
  code: number;
  signal: Deno.Signal | null;
  stderr: string[];
  cleanupStderr: string[];
  resources: string[];
  runningJobs: string[];
  listeners: string[];
  processes: number[];
  tempEntries: string[];
}

/** Runs the walkthrough, fails it in `step` as `failure` says, then `cleanup --orphans --yes`. */
async function runCase(
  { step, fault, slow }: { step: string; fault: string; slow?: string },
  failure: Failure,
): Promise<CaseOutcome> {
  const dir = await Deno.makeTempDir({ prefix: "reliability-" });
  const localDir = join(dir, "local");
  const tmp = join(dir, "tmp");
  await Deno.mkdir(tmp);
  const marker = `SCALING_RELIABILITY_CASE=${crypto.randomUUID()}`;
  const env = { TMPDIR: tmp, [marker.split("=")[0]]: marker.split("=")[1] };
  // The benchmark settings persist in the store: every process on this folder uses them.
  await openLocalCloud({ localDir, local: FAST }).close();
  try {
    const child = script(
      "walkthrough.ts",
      [
        "--evaluation-seconds",
        EVALUATION_SECONDS,
        "--out",
        join(dir, "out"),
        "--local-dir",
        localDir,
      ],
      {
        cwd: dir,
        env: failure === "error" || failure === "SIGINT twice"
          ? { ...env, [FAULT_ENV]: fault }
          : slow !== undefined
          ? { ...env, [FAULT_ENV]: slow }
          : env,
      },
    );
    const lines = new Lines(child.stderr);
    if (failure !== "error") {
      const started = await lines.waitFor(new RegExp(`^walkthrough: step ${step}\\b`));
      assert.ok(started !== undefined, `the walkthrough reached ${step}:\n${lines.all.join("\n")}`);
      if (step === "recommend") {
        // The hard case: the Default job's model server and load generator are running.
        await lines.waitFor(/^recommend: benchmark \| /);
        assert.ok(
          listenersOf(processesWith(marker)).length > 0,
          "the run's model server listens (the check below can see it)",
        );
      } else if (slow === undefined) {
        // One more line: the step is under way (it has called the backend).
        await lines.next();
      }
      child.kill(failure === "SIGKILL" ? "SIGKILL" : "SIGINT");
      if (failure === "SIGINT twice") {
        await lines.waitFor(/SIGINT: deleting what this run created/);
        child.kill("SIGINT");
      }
    }
    const status = await child.status;
    await lines.done;
    const cleanup = script("cleanup.ts", ["--orphans", "--yes", "--local-dir", localDir], {
      cwd: dir,
      env,
    });
    const cleanupLines = new Lines(cleanup.stderr);
    const cleaned = await cleanup.status;
    await cleanupLines.done;
    assert.ok(
      cleaned.success,
      `cleanup --orphans --yes succeeded:\n${cleanupLines.all.join("\n")}`,
    );
    const cloud = openLocalCloud({ localDir });
    let resources: string[];
    let runningJobs: string[];
    try {
      resources = inventoryLines(await inventory(cloud, BUCKET));
      const jobs = await cloud.sagemaker.send(new ListInferenceRecommendationsJobsCommand({}));
      runningJobs = (jobs.InferenceRecommendationsJobs ?? [])
        .filter((j) => j.Status === "PENDING" || j.Status === "IN_PROGRESS")
        .map((j) => `${j.JobName} ${j.Status}`);
    } finally {
      await cloud.close();
    }
    const processes = processesWith(marker);
    return {
      code: status.code,
      signal: status.signal,
      stderr: lines.all,
      cleanupStderr: cleanupLines.all,
      resources,
      runningJobs,
      listeners: listenersOf(processes),
      processes,
      tempEntries: (await Array.fromAsync(Deno.readDir(tmp))).filter((e) => e.isDirectory)
        .map((e) => e.name),
    };
  } finally {
    await endCase(marker, dir);
  }
}

for (const failure of ["SIGKILL", "SIGINT", "error"] as const) {
  Deno.test(`after ${failure} in each walkthrough step, cleanup --orphans --yes leaves nothing`, async (t) => {
    for (const { step, fault, slow } of STEPS) {
      const what = failure === "error" ? `${fault} failing` : failure;
      await t.step(`${what} in ${step}`, async () => {
        const o = await runCase({ step, fault, slow }, failure);
        const log = () =>
          `walkthrough:\n${o.stderr.slice(-15).join("\n")}\ncleanup:\n${
            o.cleanupStderr.join("\n")
          }`;
        if (failure === "SIGINT") assert.equal(o.code, 130, `SIGINT exits 130\n${log()}`);

        if (failure === "SIGKILL") assert.equal(o.signal, "SIGKILL");
        if (failure === "error") {
          assert.equal(o.code, 1, `an AWS error exits 1\n${log()}`);
          assert.ok(
            o.stderr.some((l) =>
              l.startsWith(`walkthrough: ${step}: `) && /InternalFailure|internal error/.test(l)
            ),
            `the error names the step\n${log()}`,
          );
        }
        assert.deepEqual(o.resources, [], `no resource left\n${log()}`);
        assert.deepEqual(o.runningJobs, [], `no running Recommender job\n${log()}`);
        assert.deepEqual(
          o.listeners,
          [],
          `no listener left by processes ${o.processes.join(", ")}`,
        );
        assert.deepEqual(o.tempEntries, [], "no temporary folder left");
      });
    }
  });
}

Deno.test("a second SIGINT stops the run's own cleanup; cleanup --orphans --yes finishes it", async () => {
  // The run's own cleanup waits 5 s on DeleteEndpoint: the second SIGINT surely comes during it.
  const o = await runCase({ step: "evaluate", fault: "DeleteEndpoint:1@5000" }, "SIGINT twice");
  const log = `walkthrough:\n${o.stderr.slice(-8).join("\n")}\ncleanup:\n${
    o.cleanupStderr.join("\n")
  }`;
  assert.equal(o.code, 130, log);
  assert.ok(
    o.stderr.some((l) => /interrupted again.*deno task cleanup --orphans/.test(l)),
    `the second SIGINT stops the cleanup and names cleanup --orphans\n${log}`,
  );
  assert.ok(
    o.cleanupStderr.some((l) => /left behind/.test(l)),
    `something was left to find\n${log}`,
  );
  assert.deepEqual(o.resources, [], log);
  assert.deepEqual(o.listeners, []);
  assert.deepEqual(o.tempEntries, []);
});

Deno.test("SIGTERM during a single step deletes what that step created and exits 143; the run id carries on", async () => {
  const dir = await Deno.makeTempDir({ prefix: "reliability-" });
  const localDir = join(dir, "local");
  const tmp = join(dir, "tmp");
  await Deno.mkdir(tmp);
  const marker = crypto.randomUUID();
  const env = { TMPDIR: tmp, SCALING_RELIABILITY_CASE: marker };
  await openLocalCloud({ localDir, local: FAST }).close();
  try {
    const prepare = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--config",
        join(ROOT, "deno.json"),
        join(ROOT, "steps", "prepare.ts"),
        "--local-dir",
        localDir,
        "--work-dir",
        join(dir, "prepare"),
        "--json",
      ],
      cwd: dir,
      env: { DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "piped",
    });
    const prepared = await prepare.output();
    assert.ok(prepared.success, new TextDecoder().decode(prepared.stderr));
    const result = JSON.parse(new TextDecoder().decode(prepared.stdout));
    assert.match(result.runId, /^run-\d{14}-[0-9a-f]{4}$/, "prepare --json carries its run id");
    await Deno.writeTextFile(join(dir, "prepared.json"), JSON.stringify(result));
    const child = script("recommend.ts", ["--from", "prepared.json", "--local-dir", localDir], {
      cwd: dir,
      env,
    });
    const lines = new Lines(child.stderr);
    assert.ok(await lines.waitFor(/^recommend: benchmark \| /), lines.all.join("\n"));
    child.kill("SIGTERM");
    const status = await child.status;
    await lines.done;
    assert.equal(status.code, 143, lines.all.join("\n"));
    assert.ok(
      lines.all.some((l) => /^recommend: interrupted; deleted [1-9]/.test(l)),
      lines.all.join("\n"),
    );
    const records = (await Deno.readTextFile(join(dir, ".sagemaker-lab", "journal.jsonl")))
      .split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const kinds = new Set(records.filter((r) => r.event === "created").map((r) => r.kind));
    assert.ok(kinds.has("model-package-group") && kinds.has("s3-object"));
    assert.ok(records.every((r) => r.runId === result.runId), "one run id across both steps");
    // The step deleted only its own resources: prepare's objects are left for cleanup --orphans.
    const cleanup = script("cleanup.ts", ["--orphans", "--yes", "--local-dir", localDir], {
      cwd: dir,
      env,
    });
    const cleanupLines = new Lines(cleanup.stderr);
    assert.ok((await cleanup.status).success, cleanupLines.all.join("\n"));
    await cleanupLines.done;
    assert.ok(
      cleanupLines.all.some((l) => l.startsWith("s3-object ")),
      cleanupLines.all.join("\n"),
    );
    assert.ok(
      !cleanupLines.all.some((l) => l.startsWith("model-package-group ")),
      "the step's own group went with the step",
    );
    const cloud = openLocalCloud({ localDir });
    try {
      assert.deepEqual(inventoryLines(await inventory(cloud, BUCKET)), []);
    } finally {
      await cloud.close();
    }
    assert.deepEqual(listenersOf(processesWith(marker)), []);
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(tmp))).filter((e) => e.isDirectory).map((e) => e.name),
      [],
    );
  } finally {
    await endCase(marker, dir);
  }
});
