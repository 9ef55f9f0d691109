/**
 * The `loadtest` script: load an HTTP endpoint the way SageMaker Inference Recommender does
 * (closed-loop users following PHASES or STAIRS, an open-loop rate, or a saturation ramp).
 * Run `deno task loadtest --help`.
 *
 * The task grants `--allow-read` (payload and pattern files), `--allow-net` to loopback only, and
 * `--allow-ffi`: the default `epoll` transport calls libc, and so does `--pid` to read
 * `/proc/<pid>` (Deno's own file API reads `/proc` only with `--allow-all`). The engine honours
 * `--allow-net` for both transports, so another host needs `deno run` with its own
 * `--allow-net=HOST:PORT`.
 *
 * @module
 */

import {
  type CommonCommand,
  HELP,
  type LoadCommand,
  parseLoadTestArgs,
  patternFromJson,
  type RunCommand,
  type SaturateCommand,
  UsageError,
} from "./cli_args.ts";
import type { IntervalStats } from "./interval_recorder.ts";
import { loadPayloads, PayloadError } from "./payload.ts";
import { ProcessAccessError } from "./process_stats.ts";
import { type LoadTestOptions, type LoadTestSummary, runLoadTest } from "./run_load.ts";
import { measureSaturation, type SaturationLevel, type SaturationResult } from "./saturation.ts";

/** Where the script writes; replaceable in tests. */
export interface CliIo {
  /** Writes to stdout. */
  out(text: string): void;
  /** Writes to stderr. */
  err(text: string): void;
  /** Whether stderr is a terminal (progress then overwrites one line). */
  errIsTerminal: boolean;
}

const encoder = new TextEncoder();
const defaultIo: CliIo = {
  out: (t) => void Deno.stdout.writeSync(encoder.encode(t)),
  err: (t) => void Deno.stderr.writeSync(encoder.encode(t)),
  errIsTerminal: Deno.stderr.isTerminal(),
};

function fmt(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "-";
  return x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/**
 * The live progress line: users, req/s and P95 of the last second, errors so far, elapsed.
 *
 * @example Usage
 * ```ts
 * import { progressLine } from "./cli.ts";
 * import assert from "node:assert/strict";
 * const line = progressLine({ index: 4, durationSeconds: 1, users: 3, requestsPerSecond: 1500, p95Ms: 2.25 } as never, 7);
 * assert.equal(line, "users 3 | 1,500 req/s | p95 2.25 ms | errors 7 | 5 s");
 * ```
 */
export function progressLine(interval: IntervalStats, errorsSoFar: number): string {
  const elapsed = interval.index + interval.durationSeconds;
  return `users ${interval.users} | ${fmt(interval.requestsPerSecond, 0)} req/s | p95 ${
    fmt(interval.p95Ms, 2)
  } ms | errors ${errorsSoFar} | ${fmt(elapsed, 0)} s`;
}

function progress(io: CliIo, quiet: boolean) {
  let errors = 0;
  let lastLength = 0;
  return {
    interval(i: IntervalStats) {
      errors += i.errors;
      if (quiet) return;
      const line = progressLine(i, errors);
      if (io.errIsTerminal) {
        io.err(`\r${line.padEnd(lastLength)}`);
        lastLength = line.length;
      } else if ((i.index + 1) % 5 === 0) {
        io.err(`${line}\n`);
      }
    },
    end() {
      if (!quiet && io.errIsTerminal && lastLength > 0) io.err("\n");
      lastLength = 0;
    },
  };
}

/**
 * A short human summary of a load test.
 *
 * @example Usage
 * ```ts
 * import { summaryTable } from "./cli.ts";
 * import assert from "node:assert/strict";
 * const table = summaryTable({
 *   url: "http://127.0.0.1:8080/", transport: "epoll", mode: "closed-loop", maxUsers: 4, stopReason: "Duration",
 *   stopDetail: "Ran for the 60 s duration", durationSeconds: 60, requests: 6000, requestsPerSecond: 100,
 *   errors: 0, errorRate: 0, errorsByKind: {}, p50Ms: 9, p95Ms: 12, p99Ms: 15, meanMs: 9.5, maxMs: 30,
 *   bytesSent: 1, bytesReceived: 2, cpuPercent: null,
 * } as never);
 * assert.match(table, /^url +http:\/\/127\.0\.0\.1:8080\/ \(epoll transport\)\nmode +closed loop, up to 4 users\n/);
 * assert.match(table, /requests +6,000 \(100 req\/s\)/);
 * ```
 */
export function summaryTable(s: LoadTestSummary): string {
  const kinds = Object.entries(s.errorsByKind).map(([k, n]) => `${k} ${n}`).join(", ");
  const rows: [string, string][] = [
    ["url", `${s.url} (${s.transport} transport)`],
    [
      "mode",
      s.mode === "open-loop"
        ? `open loop, ${fmt(s.rate)} req/s`
        : `closed loop, up to ${s.maxUsers} user${s.maxUsers === 1 ? "" : "s"}`,
    ],
    ["stop reason", `${s.stopReason}: ${s.stopDetail}`],
    ["duration", `${fmt(s.durationSeconds, 2)} s`],
    ["requests", `${fmt(s.requests, 0)} (${fmt(s.requestsPerSecond)} req/s)`],
    ["errors", `${fmt(s.errors, 0)} (${fmt(s.errorRate * 100, 2)} %)${kinds ? `: ${kinds}` : ""}`],
    [
      "latency ms",
      `p50 ${fmt(s.p50Ms, 2)}  p95 ${fmt(s.p95Ms, 2)}  p99 ${fmt(s.p99Ms, 2)}  mean ${
        fmt(s.meanMs, 2)
      }  max ${fmt(s.maxMs, 2)}`,
    ],
    ["bytes", `sent ${fmt(s.bytesSent, 0)}, received ${fmt(s.bytesReceived, 0)}`],
  ];
  if (s.cpuPercent !== null) {
    rows.push([
      "target",
      `CPU ${fmt(s.cpuPercent)} % (summed over cores), RSS max ${
        fmt((s.rssBytes ?? 0) / 2 ** 20)
      } MiB`,
    ]);
  }
  return rows.map(([k, v]) => `${k.padEnd(12)} ${v}`).join("\n") + "\n";
}

function levelLine(l: SaturationLevel): string {
  return `level ${String(l.users).padStart(4)} users | ${fmt(l.successesPerSecond)} ok/s | p50 ${
    fmt(l.p50Ms, 2)
  } ms | p95 ${fmt(l.p95Ms, 2)} ms | errors ${l.errors}${
    l.cpuPercent !== null ? ` | CPU ${fmt(l.cpuPercent)} %` : ""
  }`;
}

function isUserMistake(error: unknown): boolean {
  return error instanceof UsageError || error instanceof PayloadError ||
    error instanceof ProcessAccessError || error instanceof RangeError ||
    (error instanceof TypeError && /^(Invalid|Missing|Cannot)/.test(error.message));
}

async function requestOptions(cmd: CommonCommand) {
  const payloads = cmd.payloadPath
    ? (await loadPayloads(cmd.payloadPath)).map((p) => p.body)
    : undefined;
  return {
    url: cmd.url,
    payloads,
    method: cmd.method,
    contentType: cmd.contentType,
    headers: cmd.headers,
    timeoutMs: cmd.timeoutMs,
    allowRemote: cmd.allowRemote,
    pids: cmd.pids,
    transport: cmd.transport,
  };
}

async function runCommand(
  cmd: RunCommand,
  io: CliIo,
  signal: AbortSignal,
): Promise<LoadTestSummary> {
  let pattern = cmd.pattern;
  let stop = cmd.stop;
  if (cmd.patternPath) {
    let text: string;
    try {
      text = await Deno.readTextFile(cmd.patternPath);
    } catch (error) {
      throw new UsageError(
        `Cannot read pattern file "${cmd.patternPath}": ${(error as Error).message}`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new UsageError(
        `Invalid pattern file "${cmd.patternPath}": ${(error as Error).message}`,
      );
    }
    const fromFile = patternFromJson(json);
    pattern = fromFile.pattern;
    stop = { ...fromFile.stop, ...cmd.stop };
  }
  const p = progress(io, cmd.quiet);
  const options: LoadTestOptions = {
    ...(await requestOptions(cmd)),
    pattern,
    rate: cmd.rate,
    maxConnections: cmd.maxConnections,
    stop,
    signal,
    onInterval: (i) => p.interval(i),
  };
  try {
    return await runLoadTest(options);
  } finally {
    p.end();
  }
}

async function saturateCommand(
  cmd: SaturateCommand,
  io: CliIo,
  signal: AbortSignal,
): Promise<SaturationResult> {
  const p = progress(io, cmd.quiet);
  try {
    return await measureSaturation({
      ...(await requestOptions(cmd)),
      levelSeconds: cmd.levelSeconds,
      warmupSeconds: cmd.warmupSeconds,
      maxLevels: cmd.maxLevels,
      userLevels: cmd.userLevels,
      maxErrorRate: cmd.maxErrorRate,
      latencyP95Ms: cmd.latencyP95Ms,
      flatTolerance: cmd.flatTolerance,
      flatLevels: cmd.flatLevels,
      signal,
      onInterval: (i) => p.interval(i),
      onLevel: (l) => {
        p.end();
        if (!cmd.quiet) io.err(`${levelLine(l)}\n`);
      },
    });
  } finally {
    p.end();
  }
}

/**
 * Runs the script with arguments and returns the exit code: 0 done, 1 unexpected failure,
 * 2 usage mistake, 130 interrupted (Ctrl-C / SIGTERM; the summary so far is still printed).
 *
 * @example Usage
 * ```ts
 * import { main } from "./cli.ts";
 * import assert from "node:assert/strict";
 * const errors: string[] = [];
 * const io = { out: () => {}, err: (t: string) => void errors.push(t), errIsTerminal: false };
 * assert.equal(await main(["--users", "2"], io), 2);
 * assert.match(errors.join(""), /^Missing --url/);
 * ```
 */
export async function main(args: string[], io: CliIo = defaultIo): Promise<number> {
  let cmd: LoadCommand | undefined;
  const controller = new AbortController();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts > 1) Deno.exit(130);
    controller.abort();
  };
  const listening = args.length > 0 && io === defaultIo;
  try {
    cmd = parseLoadTestArgs(args);
    if (cmd.kind === "help") {
      io.out(HELP);
      return 0;
    }
    if (listening) { for (const s of signals) Deno.addSignalListener(s, onSignal); }
    if (cmd.kind === "saturate") {
      const result = await saturateCommand(cmd, io, controller.signal);
      io.out(`${JSON.stringify(result, null, 2)}\n`);
      if (!cmd.quiet) io.err(`stopped: ${result.stopReason}: ${result.stopDetail}\n`);
      return result.stopReason === "Interrupted" ? 130 : 0;
    }
    const summary = await runCommand(cmd, io, controller.signal);
    io.out(cmd.json ? `${JSON.stringify(summary, null, 2)}\n` : summaryTable(summary));
    if (summary.requests > 0 && summary.errorsByKind.connection === summary.requests) {
      // Nothing was measured: a wrong --url (or a server that is not up) is the user's to fix.
      io.err(
        `No request reached ${summary.url}: every one failed to connect (${summary.lastError}); check --url and that the server is running\n`,
      );
      return 2;
    }
    return summary.stopReason === "Interrupted" ? 130 : 0;
  } catch (error) {
    if (isUserMistake(error)) {
      io.err(`${(error as Error).message}\n`);
      return 2;
    }
    const debug = cmd !== undefined && cmd.kind !== "help" ? cmd.debug : args.includes("--debug");
    const message = error instanceof Error ? error.message : String(error);
    io.err(debug && error instanceof Error ? `${error.stack}\n` : `Load test failed: ${message}\n`);
    return 1;
  } finally {
    if (listening) { for (const s of signals) Deno.removeSignalListener(s, onSignal); }
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
