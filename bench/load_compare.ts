/**
 * Side-by-side benchmark of the load generator (`deno task bench:load`): against a minimal
 * fixed-response `Deno.serve` server pinned to core 1, with each generator pinned to core 0
 * (`taskset`), at the same number of users / connections:
 *
 * - ours, `load/cli.ts --users N`, with each transport: `epoll` (the default: a worker thread
 *   driving non-blocking sockets through libc's epoll via Deno's FFI) and `socket` (raw
 *   keep-alive HTTP/1.1 over `Deno.connect`),
 * - `wrk -t1 -cN` (Debian `wrk`),
 * - Locust headless with `FastHttpUser` (its fastest client; Debian `python3-locust`), N users
 *   spawned at once.
 *
 * The machine may be shared, so wrk and ours run in rotating order for several rounds and each
 * keeps its best round (the least disturbed); the median of the ratios paired by round is printed
 * too, and each generator's CPU time per request (from `/usr/bin/time`, startup included).
 * Goals: ours (default transport) >= 0.8x wrk and >= 3x Locust. The last line states both ratios
 * (ours/wrk: median of the ratios paired by round; ours/Locust: ratio of the medians), with the
 * best-of-rounds ratios beside them.
 *
 * Flags: `--users N` (default 16), `--seconds S` per run (default 3), `--rounds R` (default 8),
 * `--locust-rounds R` (default 2).
 *
 * @module
 */

import { ProcessSampler } from "../load/process_stats.ts";
import { denoChildEnv, tiedToParent } from "../machine/children.ts";
import { holdBenchMachine } from "./_machine.ts";

const args = Deno.args;
function flag(name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`Invalid --${name} "${args[i + 1]}": give a whole number of at least 1`);
    Deno.exit(2);
  }
  return n;
}
const USERS = flag("users", 16);
const SECONDS = flag("seconds", 3);
const ROUNDS = flag("rounds", 8);
const LOCUST_ROUNDS = flag("locust-rounds", 2);
const GENERATOR_CORE = "0";
const SERVER_CORE = "1";
const root = new URL("..", import.meta.url).pathname;
const deno = Deno.execPath();

/** Exits 2 unless the program runs (its exit code does not matter; `wrk` has no --version). */
function requireTool(cmd: string, install: string) {
  try {
    new Deno.Command(cmd, { args: ["--version"], stdout: "null", stderr: "null" }).outputSync();
    return;
  } catch {
    // not installed (or not in --allow-run)
  }
  console.error(`Cannot run the benchmark: ${cmd} is missing; install ${install}`);
  Deno.exit(2);
}
requireTool("taskset", "util-linux");
requireTool("wrk", "the Debian package wrk");
requireTool("locust", "the Debian package python3-locust");

const decoder = new TextDecoder();

async function startServer(): Promise<{ port: number; pid: number; stop(): Promise<void> }> {
  const tied = await tiedToParent("taskset", [
    "-c",
    SERVER_CORE,
    deno,
    "run",
    "--allow-net=127.0.0.1",
    `${root}load/testdata/stub_server.ts`,
  ]);
  const child = new Deno.Command(tied.command, {
    args: tied.args,
    env: denoChildEnv(),
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("The benchmark server exited before listening");
    text += decoder.decode(value);
  }
  reader.releaseLock();
  const port = JSON.parse(text.split("\n")[0]).port as number;
  return {
    port,
    pid: child.pid,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch {
        // already gone
      }
      await child.stdout.cancel().catch(() => {});
      await child.status;
    },
  };
}

/** `/usr/bin/time` (Debian package `time`) reports each generator's CPU time when present. */
const TIME = (() => {
  try {
    return Deno.statSync("/usr/bin/time").isFile ? "/usr/bin/time" : null;
  } catch {
    return null;
  }
})();

interface RunOutput {
  stdout: string;
  /** User + system CPU seconds of the generator (NaN without /usr/bin/time). */
  cpuSeconds: number;
}

/** Runs a generator pinned to the generator core. */
async function runPinned(cmdArgs: string[], cwd?: string): Promise<RunOutput> {
  // Tied after /usr/bin/time, which forks: the generator itself ends with this process.
  const tied = await tiedToParent("taskset", ["-c", GENERATOR_CORE, ...cmdArgs]);
  const pinned = [tied.command, ...tied.args];
  const full = TIME ? [TIME, "-f", "CPUTIME %U %S", ...pinned] : pinned;
  const out = await new Deno.Command(full[0], {
    args: full.slice(1),
    env: denoChildEnv(),
    stdout: "piped",
    stderr: "piped",
    cwd,
  }).output();
  const stderr = decoder.decode(out.stderr);
  if (!out.success) throw new Error(`${cmdArgs[0]} failed (${out.code}): ${stderr.slice(-500)}`);
  const m = /CPUTIME ([\d.]+) ([\d.]+)/.exec(stderr);
  return { stdout: decoder.decode(out.stdout), cpuSeconds: m ? Number(m[1]) + Number(m[2]) : NaN };
}

interface Measured {
  /** Requests per second. */
  rps: number;
  /** Generator CPU µs per request (user + system). */
  cpuMicrosPerRequest: number;
  /** Server CPU % during the run. */
  serverCpu: number;
}

async function measure(
  serverPid: number,
  fn: () => Promise<{ rps: number; requests: number; cpuSeconds: number }>,
): Promise<Measured> {
  const sampler = new ProcessSampler([serverPid]);
  const r = await fn();
  return {
    rps: r.rps,
    cpuMicrosPerRequest: (r.cpuSeconds * 1e6) / r.requests,
    serverCpu: sampler.sample()?.cpuPercent ?? NaN,
  };
}

async function wrk(url: string) {
  const out = await runPinned(["wrk", "-t1", `-c${USERS}`, `-d${SECONDS}s`, url]);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out.stdout);
  const requests = /(\d+) requests in/.exec(out.stdout);
  if (!rps || !requests) throw new Error(`Unexpected wrk output: ${out.stdout}`);
  return { rps: Number(rps[1]), requests: Number(requests[1]), cpuSeconds: out.cpuSeconds };
}

async function ours(url: string, transport: string) {
  const out = await runPinned([
    deno,
    "run",
    // Read of its own code only (the epoll worker loads its modules), loopback, libc.
    `--allow-read=${root}load`,
    "--allow-net=127.0.0.1",
    "--allow-ffi",
    `${root}load/cli.ts`,
    "--url",
    url,
    "--users",
    String(USERS),
    "--duration",
    String(SECONDS),
    "--transport",
    transport,
    "--json",
    "--quiet",
  ]);
  const summary = JSON.parse(out.stdout);
  if (summary.errors > 0) throw new Error(`Our generator saw ${summary.errors} errors`);
  if (summary.transport !== transport) {
    throw new Error(`Our generator used the ${summary.transport} transport, not ${transport}`);
  }
  return { rps: summary.requestsPerSecond, requests: summary.requests, cpuSeconds: out.cpuSeconds };
}

const LOCUSTFILE = `from locust import FastHttpUser, task, constant

class Bench(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get("/")
`;

let locustRun = 0;
async function locust(url: string, dir: string) {
  const prefix = `${dir}/run${++locustRun}`;
  const out = await runPinned([
    "locust",
    "-f",
    `${dir}/locustfile.py`,
    "--headless",
    "--only-summary",
    "--loglevel",
    "ERROR",
    "-u",
    String(USERS),
    "-r",
    String(USERS),
    "-t",
    `${SECONDS}s`,
    "--host",
    url,
    "--csv",
    prefix,
  ], dir);
  const csv = await Deno.readTextFile(`${prefix}_stats.csv`);
  const [header, ...rows] = csv.trim().split("\n").map((l) => l.split(","));
  const agg = rows.find((r) => r.includes("Aggregated"));
  const count = header.indexOf("Request Count");
  const failures = header.indexOf("Failure Count");
  if (!agg || count < 0 || failures < 0) throw new Error(`Unexpected Locust stats: ${csv}`);
  if (Number(agg[failures]) > 0) throw new Error(`Locust saw ${agg[failures]} failures`);
  // Locust's run time (-t) starts when it starts spawning; all users spawn at once.
  const requests = Number(agg[count]);
  return { rps: requests / SECONDS, requests, cpuSeconds: out.cpuSeconds };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const f0 = (x: number) => Math.round(x).toLocaleString("en-US");

const machine = await holdBenchMachine("bench:load", Deno.args);
const dir = await Deno.makeTempDir({ prefix: "bench-load-" });
const server = await startServer();
try {
  await Deno.writeTextFile(`${dir}/locustfile.py`, LOCUSTFILE);
  const url = `http://127.0.0.1:${server.port}/`;
  console.error(
    `bench:load: ${USERS} users, ${SECONDS} s per run, ${ROUNDS} rounds; server on core ${SERVER_CORE}, generators on core ${GENERATOR_CORE}`,
  );
  await runPinned(["wrk", "-t1", "-c8", "-d2s", url]); // warm the server up
  const names = ["wrk", "epoll", "socket"] as const;
  const runs: Record<(typeof names)[number], Measured[]> = { wrk: [], epoll: [], socket: [] };
  const locustRuns: Measured[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]); // rotate who goes first
    for (const name of order) {
      const m = await measure(server.pid, () => name === "wrk" ? wrk(url) : ours(url, name));
      runs[name].push(m);
      console.error(
        `  round ${r + 1} ${name.padEnd(6)} ${f0(m.rps).padStart(8)} req/s  ${
          m.cpuMicrosPerRequest.toFixed(1)
        } µs CPU/request  (server CPU ${f0(m.serverCpu)} %)`,
      );
    }
    if (r < LOCUST_ROUNDS) {
      const m = await measure(server.pid, () => locust(url, dir));
      locustRuns.push(m);
      console.error(
        `  round ${r + 1} locust ${f0(m.rps).padStart(8)} req/s  ${
          m.cpuMicrosPerRequest.toFixed(1)
        } µs CPU/request  (server CPU ${f0(m.serverCpu)} %)`,
      );
    }
  }
  const best = (list: Measured[]) => Math.max(...list.map((m) => m.rps));
  const paired = (list: Measured[]) => median(list.map((m, i) => m.rps / runs.wrk[i].rps));
  const cpu = (list: Measured[]) => median(list.map((m) => m.cpuMicrosPerRequest)).toFixed(1);
  const row = (name: string, list: Measured[], ratio: string) =>
    console.log(
      `${name.padEnd(26)}${f0(best(list)).padStart(11)} ${
        f0(median(list.map((m) => m.rps))).padStart(14)
      } ${cpu(list).padStart(16)} ${ratio.padStart(18)}`,
    );
  console.log(
    `generator                  best req/s   median req/s   CPU µs/request   paired vs wrk`,
  );
  row("ours, epoll (default)", runs.epoll, `${paired(runs.epoll).toFixed(2)}x`);
  row("ours, socket (Deno.connect)", runs.socket, `${paired(runs.socket).toFixed(2)}x`);
  row("wrk -t1", runs.wrk, "1.00x");
  row("locust FastHttpUser", locustRuns, "");
  const oursBest = best(runs.epoll);
  const wrkBest = best(runs.wrk);
  const locustBest = best(locustRuns);
  const medianRatio = paired(runs.epoll);
  console.log(machine.line());
  const locustRatio = median(runs.epoll.map((m) => m.rps)) / median(locustRuns.map((m) => m.rps));
  console.log(
    `bench:load: ours/wrk -t1 ${
      medianRatio.toFixed(2)
    }x (goal >= 0.8x; median of ${ROUNDS} paired rounds, best ${f0(oursBest)} vs ${
      f0(wrkBest)
    } req/s = ${(oursBest / wrkBest).toFixed(2)}x), ours/Locust ${
      locustRatio.toFixed(1)
    }x (goal >= 3x; medians, best ${f0(oursBest)} vs ${f0(locustBest)} req/s = ${
      (oursBest / locustBest).toFixed(1)
    }x); ${USERS} users, ${SECONDS} s runs; technique: libc epoll via Deno FFI in a worker thread (Deno.connect sockets: ${
      paired(runs.socket).toFixed(2)
    }x wrk)`,
  );
} finally {
  await server.stop();
  await Deno.remove(dir, { recursive: true });
}
