/**
 * Serving benchmark (`deno task bench:serve`): requests per second of our model server
 * (`model/server.ts`) against a reference built the way the SageMaker XGBoost container is
 * (`bench/xgboost_reference_server.py`: Flask + Debian's python3-xgboost under gunicorn, one
 * worker per core, `-k gthread` so keep-alive works), in the same run, with the same load tool
 * (`wrk` with a Lua script POSTing the payload), the same model (ours, trained like the
 * original; the reference loads the same JSON with xgboost) and the same 100-row `sample.csv`.
 * The load generator and the servers are pinned to separate cores with `taskset`.
 *
 * Before measuring it checks that both servers answer the payload with the same bytes.
 * The last line states the ratio. Flags: `--duration S` (10), `--connections N` (8),
 * `--warmup S` (2), `--rounds N` (1; rounds alternate the servers and the median counts),
 * `--server-cpus LIST` (all CPUs but the first), `--load-cpus LIST` (the first CPU),
 * `--threads N` gunicorn threads per worker (4).
 *
 * Needs: wrk, util-linux (taskset), gunicorn, python3-flask, python3-xgboost.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { randomDataset, trainTestSplit } from "../model/dataset.ts";
import { samplePayloadCsv } from "../model/payload.ts";
import { startModelServer } from "../model/spawn_server.ts";
import { tiedToParent } from "../machine/children.ts";
import { holdBenchMachine } from "./_machine.ts";
import { modelTarball } from "../model/tarball.ts";
import { trainClassifier } from "../model/train.ts";
import { stringifyXGBoostModel } from "../model/xgboost_json.ts";

const PYTHON = "/usr/bin/python3";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    duration: { type: "string", default: "10" },
    connections: { type: "string", default: "8" },
    warmup: { type: "string", default: "2" },
    rounds: { type: "string", default: "1" },
    "server-cpus": { type: "string" },
    "load-cpus": { type: "string" },
    threads: { type: "string", default: "4" },
    "no-wait": { type: "boolean" },
  },
});

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench:serve: --${name} (${value}) must be a positive integer`);
    Deno.exit(2);
  }
  return n;
}

const duration = positive("duration", flags.duration!);
const connections = positive("connections", flags.connections!);
const warmup = positive("warmup", flags.warmup!);
const rounds = positive("rounds", flags.rounds!);
const threads = positive("threads", flags.threads!);

/** CPUs this process may use (what taskset can pin to). */
async function allowedCpus(): Promise<number[]> {
  const out = await new Deno.Command("taskset", {
    args: ["-cp", String(Deno.pid)],
    stdout: "piped",
  })
    .output();
  const list = /affinity list:\s*(\S+)/.exec(new TextDecoder().decode(out.stdout))?.[1] ?? "0";
  return expandCpus(list);
}

function expandCpus(list: string): number[] {
  const cpus: number[] = [];
  for (const part of list.split(",")) {
    const [a, b] = part.split("-").map(Number);
    for (let c = a; c <= (b ?? a); c++) cpus.push(c);
  }
  return cpus;
}

async function has(cmd: string, args: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "null" }).output();
    return out.success || cmd === "wrk"; // wrk --version exits 1
  } catch {
    return false;
  }
}

const missing: string[] = [];
if (!(await has("wrk", ["--version"]))) missing.push("wrk");
if (!(await has("taskset", ["--version"]))) missing.push("util-linux");
if (!(await has("gunicorn", ["--version"]))) missing.push("gunicorn");
if (!(await has(PYTHON, ["-c", "import flask, xgboost"]))) {
  missing.push("python3-flask", "python3-xgboost");
}
if (missing.length) {
  console.error(`bench:serve: missing tools; install with: apt-get install ${missing.join(" ")}`);
  Deno.exit(1);
}

const cpus = await allowedCpus();
if (cpus.length < 2 && (!flags["server-cpus"] || !flags["load-cpus"])) {
  console.error(
    `bench:serve: needs 2 CPUs to pin the load generator and the servers apart; this process may use ${cpus.length}`,
  );
  Deno.exit(1);
}
const loadCpus = flags["load-cpus"] ?? String(cpus[0]);
const serverCpus = flags["server-cpus"] ?? cpus.slice(1).join(",");
const serverWorkers = expandCpus(serverCpus).length;

const machine = await holdBenchMachine("bench:serve", Deno.args);
const dir = await Deno.makeTempDir({ prefix: "bench_serve_" });
const stops: (() => Promise<void>)[] = [];
try {
  // The original's model and payload.
  console.error("bench:serve: training the model (9,000 x 50, 100 trees)...");
  const { train, test } = trainTestSplit(randomDataset({ samples: 10000, features: 50, seed: 7 }));
  const modelText = stringifyXGBoostModel(trainClassifier(train).model);
  await Deno.writeTextFile(`${dir}/xgboost-model.json`, modelText);
  await Deno.writeFile(`${dir}/model.tar.gz`, await modelTarball(modelText));
  const payload = samplePayloadCsv(test);
  await Deno.writeTextFile(`${dir}/sample.csv`, payload);
  await Deno.writeTextFile(
    `${dir}/post.lua`,
    [
      'wrk.method = "POST"',
      'wrk.headers["Content-Type"] = "text/csv"',
      `local f = io.open(${JSON.stringify(`${dir}/sample.csv`)}, "rb")`,
      'wrk.body = f:read("*a")',
      "f:close()",
      "",
    ].join("\n"),
  );

  interface Server {
    name: string;
    start(): Promise<{ url: string; stop: () => Promise<void> }>;
  }

  const ours: Server = {
    name: `deno model/server.ts (${serverWorkers} process${serverWorkers > 1 ? "es" : ""})`,
    async start() {
      const handle = await startModelServer({
        modelDir: `${dir}/model.tar.gz`,
        workers: serverWorkers,
        cpus: serverCpus,
        stderr: "null",
      });
      return { url: handle.url, stop: handle.stop };
    },
  };

  const reference: Server = {
    name:
      `python flask + xgboost ${await xgboostVersion()} (gunicorn -k gthread, ${serverWorkers} worker${
        serverWorkers > 1 ? "s" : ""
      } x ${threads} threads)`,
    async start() {
      const port = freePort();
      // Tied to this process: gunicorn ends with the benchmark, even a killed one.
      const tied = await tiedToParent("taskset", [
        "-c",
        serverCpus,
        "gunicorn",
        "-k",
        "gthread",
        "--workers",
        String(serverWorkers),
        "--threads",
        String(threads),
        "--keep-alive",
        "60",
        "--bind",
        `127.0.0.1:${port}`,
        "--chdir",
        new URL(".", import.meta.url).pathname,
        "xgboost_reference_server:app",
      ]);
      const child = new Deno.Command(tied.command, {
        args: tied.args,
        env: { MODEL_PATH: `${dir}/xgboost-model.json` },
        stdout: "null",
        stderr: "null",
      }).spawn();
      const url = `http://127.0.0.1:${port}`;
      const stop = async () => {
        try {
          child.kill("SIGTERM");
        } catch { /* exited */ }
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* exited */ }
        }, 10_000);
        await child.status;
        clearTimeout(timer);
      };
      const deadline = Date.now() + 60_000;
      while (true) {
        try {
          const r = await fetch(`${url}/ping`);
          await r.body?.cancel();
          if (r.status === 200) break;
        } catch { /* not yet */ }
        if (Date.now() > deadline) {
          await stop();
          throw new Error("the reference server did not answer /ping within 60 s");
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      return { url, stop };
    },
  };

  const answers = new Map<string, string>();
  const results = new Map<string, number[]>();
  const latencies = new Map<string, string[]>();
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? [ours, reference] : [reference, ours];
    for (const server of order) {
      const running = await server.start();
      stops.push(running.stop);
      try {
        const response = await fetch(`${running.url}/invocations`, {
          method: "POST",
          headers: { "content-type": "text/csv" },
          body: payload,
        });
        const text = await response.text();
        if (response.status !== 200) {
          throw new Error(`${server.name} answered ${response.status}: ${text.slice(0, 200)}`);
        }
        answers.set(server.name, text);
        await wrk(running.url, warmup);
        const measured = await wrk(running.url, duration);
        if (measured.errors > 0) {
          throw new Error(`${server.name}: ${measured.errors} non-2xx or socket errors under load`);
        }
        results.set(server.name, [...(results.get(server.name) ?? []), measured.rps]);
        latencies.set(server.name, [...(latencies.get(server.name) ?? []), measured.latency]);
        console.log(
          `round ${round}: ${server.name}: ${
            measured.rps.toFixed(1)
          } req/s, mean latency ${measured.latency}`,
        );
      } finally {
        await running.stop();
        stops.pop();
      }
    }
  }
  const [oursText, referenceText] = [answers.get(ours.name), answers.get(reference.name)];
  const identical = oursText === referenceText;
  console.log(
    `responses to sample.csv identical (100 predictions, container text format): ${
      identical ? "yes" : "NO"
    }`,
  );
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  const a = median(results.get(ours.name)!);
  const b = median(results.get(reference.name)!);
  console.log(machine.line());
  console.log(
    `wrk -t1 -c${connections} -d${duration}s on CPU ${loadCpus}; servers on CPU ${serverCpus}; payload 100 rows x 50 features (${payload.length} bytes)`,
  );
  console.log(
    `serve: ${(a / b).toFixed(2)}x — deno ${a.toFixed(1)} req/s vs python-xgboost reference ${
      b.toFixed(1)
    } req/s (goal >= 3x)`,
  );
  if (!identical) Deno.exitCode = 1;
} finally {
  for (const stop of stops) await stop();
  await Deno.remove(dir, { recursive: true });
}

async function xgboostVersion(): Promise<string> {
  const out = await new Deno.Command(PYTHON, {
    args: ["-c", "import xgboost; print(xgboost.__version__)"],
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function wrk(
  url: string,
  seconds: number,
): Promise<{ rps: number; errors: number; latency: string }> {
  const out = await new Deno.Command("taskset", {
    args: [
      "-c",
      loadCpus,
      "wrk",
      "-t1",
      `-c${connections}`,
      `-d${seconds}s`,
      "-s",
      `${dir}/post.lua`,
      `${url}/invocations`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  const rps = Number(/Requests\/sec:\s*([\d.]+)/.exec(text)?.[1]);
  if (!out.success || !Number.isFinite(rps)) {
    throw new Error(`wrk failed: ${text}${new TextDecoder().decode(out.stderr)}`);
  }
  const non2xx = Number(/Non-2xx or 3xx responses:\s*(\d+)/.exec(text)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = non2xx + (socket ? socket.slice(1).reduce((s, n) => s + Number(n), 0) : 0);
  const latency = /Latency\s+(\S+)/.exec(text)?.[1] ?? "?";
  return { rps, errors, latency };
}
