/**
 * Command-line flags of the `loadtest` script, parsed into a command (pure: no I/O).
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { TransportChoice } from "./engine.ts";
import type { SaturationOptions } from "./saturation.ts";
import type { LatencyThreshold, StopConditions } from "./stop_conditions.ts";
import type { TrafficPattern } from "./traffic_pattern.ts";

/**
 * A mistake in the command line; the script prints the message and exits with code 2.
 *
 * @example Usage
 * ```ts
 * import { parseLoadTestArgs, UsageError } from "./cli_args.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => parseLoadTestArgs(["--rate", "5"]), UsageError);
 * ```
 */
export class UsageError extends Error {
  /** Creates the error with a one-line message that says what to do. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** Flags every mode shares. */
export interface CommonCommand {
  /** Target URL. */
  url: string;
  /** Payload file or `.tar.gz` of files. */
  payloadPath?: string;
  /** HTTP method. */
  method?: string;
  /** `Content-Type` of the payload. */
  contentType?: string;
  /** Extra headers. */
  headers: Record<string, string>;
  /** Per-request timeout, ms. */
  timeoutMs?: number;
  /** Allow non-loopback targets. */
  allowRemote: boolean;
  /** Processes to sample. */
  pids: number[];
  /** Print the JSON summary on stdout. */
  json: boolean;
  /** No progress on stderr. */
  quiet: boolean;
  /** Stack traces on unexpected failures. */
  debug: boolean;
  /** How requests travel. */
  transport: TransportChoice;
}

/** A load test (closed loop with a pattern, or open loop with a rate). */
export interface RunCommand extends CommonCommand {
  /** Discriminant. */
  kind: "run";
  /** Inline traffic pattern (from `--users` / `--stairs-*`). */
  pattern?: TrafficPattern;
  /** A JSON file with a TrafficPattern (or `{ TrafficPattern, StoppingConditions }`). */
  patternPath?: string;
  /** Open-loop rate, requests per second. */
  rate?: number;
  /** Open loop: most connections. */
  maxConnections?: number;
  /** Stopping conditions from flags. */
  stop: StopConditions;
}

/** A saturation ramp, with the ramp settings of {@linkcode SaturationOptions}. */
export interface SaturateCommand extends
  CommonCommand,
  Pick<
    SaturationOptions,
    | "levelSeconds"
    | "warmupSeconds"
    | "maxLevels"
    | "userLevels"
    | "maxErrorRate"
    | "latencyP95Ms"
    | "flatTolerance"
    | "flatLevels"
  > {
  /** Discriminant. */
  kind: "saturate";
}

/** What the command line asks for. */
export type LoadCommand = { kind: "help" } | RunCommand | SaturateCommand;

/** The `--help` text. */
export const HELP = `loadtest: load an HTTP endpoint the way SageMaker Inference Recommender does

Usage:
  deno task loadtest --url URL [what to send] MODE [stop conditions] [output]

What to send:
  --url URL                 target (loopback only unless --allow-remote)
  --payload FILE            request body; a .tar.gz / .tgz / .tar sends its files round-robin
  --content-type TYPE       Content-Type of the payload (default application/octet-stream)
  --method METHOD           default POST with a payload, GET without
  --header "Name: value"    extra header (repeatable)
  --timeout S               per-request timeout in seconds (default 60, the SageMaker limit)
  --allow-remote            allow a target that is not 127.0.0.0/8, ::1 or localhost (the
                            task grants --allow-net=127.0.0.1,localhost,[::1] only; for
                            another host: deno run --allow-read --allow-ffi
                            --allow-net=HOST:PORT load/cli.ts ...)
  --transport T             auto (default): epoll, a worker thread driving libc epoll through
                            FFI (Linux, http: to an IP address), else socket (Deno.connect)

Modes (choose one):
  --users N [--spawn-rate R] [--duration S]
                            one PHASES phase: N initial users, R new users per MINUTE,
                            S seconds (default 60)
  --stairs-users U --stairs-steps K --stairs-duration S
                            STAIRS: K steps of S seconds, U more users each step
  --pattern FILE.json       a TrafficPattern as the API takes it (or an object with
                            TrafficPattern and optional StoppingConditions)
  --rate RPS [--duration S] [--max-connections N]
                            open loop: RPS requests per second whatever the answers
                            (latency counted from the scheduled send time; default 60 s)
  --saturate [--level-seconds S] [--warmup-seconds W] [--max-levels K]
             [--user-levels 1,2,4,...] [--max-error-rate F] [--latency-p95-ms X]
             [--flat-tolerance F] [--flat-levels N]
                            ramp users 1,2,3,4,6,8,12,16,24,... (S s each after W s of
                            warm-up; defaults 10, 1, 12) until throughput flattens (less
                            than 5 % above the best level for 2 levels), errors pass F
                            (default 0.01), P95 passes X, or K levels; prints JSON

Stop conditions (closed and open loop):
  --duration S              at most S seconds (with --stairs-* / --pattern / --rate)
  --max-requests N          after N requests
  --max-invocations N       when a period reaches N requests per minute (IR MaxInvocations)
  --latency-p95-ms X        when a period's P95 latency passes X ms
  --latency-p99-ms X        when a period's P99 latency passes X ms
  --max-error-rate F        when a period's error rate passes F (0-1)
  --flat-invocations stop   when throughput flattens while users grow (IR FlatInvocations;
                            default continue)
  --period S                evaluation period of the conditions above (default 60)
  --flat-periods N          flat periods that stop the run (default 3)
  --flat-tolerance F        growth below F counts as flat (default 0.05)

Measurement and output:
  --pid PID                 sample CPU % (summed over cores) and RSS of PID (repeatable;
                            reads /proc/PID through libc, which needs --allow-ffi)
  --json                    print the summary as JSON on stdout
  --quiet                   no progress line on stderr
  --debug                   stack traces on unexpected failures
  --help                    this text

Ctrl-C ends a run cleanly and prints the summary so far (exit code 130).
Exit codes: 0 done, 1 unexpected failure, 2 usage mistake, 130 interrupted.
`;

const OPTIONS = {
  help: { type: "boolean" },
  url: { type: "string" },
  payload: { type: "string" },
  "content-type": { type: "string" },
  method: { type: "string" },
  header: { type: "string", multiple: true },
  timeout: { type: "string" },
  "allow-remote": { type: "boolean" },
  users: { type: "string" },
  "spawn-rate": { type: "string" },
  duration: { type: "string" },
  "stairs-users": { type: "string" },
  "stairs-steps": { type: "string" },
  "stairs-duration": { type: "string" },
  pattern: { type: "string" },
  rate: { type: "string" },
  "max-connections": { type: "string" },
  saturate: { type: "boolean" },
  "level-seconds": { type: "string" },
  "warmup-seconds": { type: "string" },
  "max-levels": { type: "string" },
  "user-levels": { type: "string" },
  "flat-levels": { type: "string" },
  "max-requests": { type: "string" },
  "max-invocations": { type: "string" },
  "latency-p95-ms": { type: "string" },
  "latency-p99-ms": { type: "string" },
  "max-error-rate": { type: "string" },
  "flat-invocations": { type: "string" },
  period: { type: "string" },
  "flat-periods": { type: "string" },
  "flat-tolerance": { type: "string" },
  pid: { type: "string", multiple: true },
  json: { type: "boolean" },
  quiet: { type: "boolean" },
  debug: { type: "boolean" },
  transport: { type: "string" },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

function num(
  values: Values,
  name: string,
  check: { min?: number; integer?: boolean; positive?: boolean; max?: number } = {},
): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const n = Number(text);
  const what = check.integer ? "whole number" : "number";
  // Decimal only: Number() also reads "0x10" as 16 and "0b11" as 3.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) || !Number.isFinite(n)) {
    throw new UsageError(`Invalid --${name} "${raw}": give a ${what}`);
  }
  if (check.integer && !Number.isInteger(n)) {
    throw new UsageError(`Invalid --${name} "${raw}": give a whole number`);
  }
  if (check.positive && !(n > 0)) {
    throw new UsageError(`Invalid --${name} "${raw}": give a ${what} above 0`);
  }
  if (check.min !== undefined && n < check.min) {
    throw new UsageError(`Invalid --${name} "${raw}": give a ${what} of at least ${check.min}`);
  }
  if (check.max !== undefined && n > check.max) {
    throw new UsageError(`Invalid --${name} "${raw}": give a ${what} of at most ${check.max}`);
  }
  return n;
}

/**
 * Keeps a negative number after a flag that takes a value as that value (`--users -1` reaches
 * the range check instead of "argument is ambiguous"), and refuses a flag where a value belongs.
 */
function joinValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith("--") ? args[i].slice(2) : undefined;
    const option = name === undefined ? undefined : OPTIONS[name as keyof typeof OPTIONS];
    const next = args[i + 1];
    if (option?.type !== "string") {
      out.push(args[i]);
    } else if (next === undefined || (next.startsWith("--") && next.length > 2)) {
      throw new UsageError(
        `Missing the value of --${name}${next === undefined ? "" : ` (found ${next})`}`,
      );
    } else if (/^-\d|^-\.\d/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else {
      out.push(args[i]);
    }
  }
  return out;
}

/** An HTTP method is a token (RFC 9110 §9.1): letters, digits and ``!#$%&'*+-.^_`|~``, no spaces. */
function checkMethod(method: string | undefined): string | undefined {
  if (method !== undefined && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method)) {
    throw new UsageError(
      `Invalid --method "${method}": give an HTTP method such as POST or GET (letters, no spaces)`,
    );
  }
  return method;
}

/**
 * Parses the `loadtest` command line. Throws a {@linkcode UsageError} with a one-line message
 * for any mistake.
 *
 * @example Usage
 * ```ts
 * import { parseLoadTestArgs } from "./cli_args.ts";
 * import assert from "node:assert/strict";
 * const cmd = parseLoadTestArgs(["--url", "http://127.0.0.1:8080/", "--users", "2", "--spawn-rate", "30", "--duration", "120"]);
 * assert.equal(cmd.kind, "run");
 * if (cmd.kind === "run") {
 *   assert.deepEqual(cmd.pattern, { TrafficType: "PHASES", Phases: [{ InitialNumberOfUsers: 2, SpawnRate: 30, DurationInSeconds: 120 }] });
 * }
 * assert.throws(() => parseLoadTestArgs(["--url", "http://127.0.0.1/", "--users", "2", "--rate", "5"]), /one mode/);
 * ```
 */
export function parseLoadTestArgs(args: string[]): LoadCommand {
  let values: Values;
  try {
    values = parseArgs({
      args: joinValues(args),
      options: OPTIONS,
      strict: true,
      allowPositionals: false,
    })
      .values as Values;
  } catch (error) {
    const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UsageError(`${message.replace(/\.$/, "")}; run with --help for the options`);
  }
  if (values.help) return { kind: "help" };
  const url = values.url as string | undefined;
  if (!url) {
    throw new UsageError(
      "Missing --url: give the endpoint to load, e.g. --url http://127.0.0.1:8080/invocations",
    );
  }

  const headers: Record<string, string> = {};
  for (const h of (values.header as string[] | undefined) ?? []) {
    const colon = h.indexOf(":");
    if (colon <= 0) throw new UsageError(`Invalid --header "${h}": write it as "Name: value"`);
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  const pids = ((values.pid as string[] | undefined) ?? []).map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n <= 0) {
      throw new UsageError(`Invalid --pid "${p}": give a process id`);
    }
    return n;
  });
  const timeout = num(values, "timeout", { positive: true });
  const transport = (values.transport as string | undefined) ?? "auto";
  if (transport !== "auto" && transport !== "epoll" && transport !== "socket") {
    throw new UsageError(`Invalid --transport "${transport}": give auto, epoll or socket`);
  }
  const common: CommonCommand = {
    url,
    payloadPath: values.payload as string | undefined,
    method: checkMethod(values.method as string | undefined),
    contentType: values["content-type"] as string | undefined,
    headers,
    timeoutMs: timeout === undefined ? undefined : timeout * 1000,
    allowRemote: values["allow-remote"] === true,
    pids,
    json: values.json === true,
    quiet: values.quiet === true,
    debug: values.debug === true,
    transport,
  };

  const stairsGiven = ["stairs-users", "stairs-steps", "stairs-duration"].filter((k) =>
    values[k] !== undefined
  );
  const modes = [
    values.users !== undefined ? "--users" : "",
    stairsGiven.length > 0 ? "--stairs-*" : "",
    values.pattern !== undefined ? "--pattern" : "",
    values.rate !== undefined ? "--rate" : "",
    values.saturate ? "--saturate" : "",
  ].filter(Boolean);
  if (modes.length === 0) {
    throw new UsageError(
      "Missing mode: give --users N, --stairs-users/--stairs-steps/--stairs-duration, --pattern FILE, --rate RPS or --saturate",
    );
  }
  if (modes.length > 1) throw new UsageError(`Choose one mode, not ${modes.join(" and ")}`);
  const mode = modes[0];

  const misplaced = (names: string[], where: string) => {
    for (const n of names) {
      if (values[n] !== undefined) throw new UsageError(`--${n} only applies to ${where}`);
    }
  };
  if (mode !== "--users") misplaced(["spawn-rate"], "--users");
  if (mode !== "--rate") misplaced(["max-connections"], "--rate");
  const saturateOnly = [
    "level-seconds",
    "warmup-seconds",
    "max-levels",
    "user-levels",
    "flat-levels",
  ];

  if (mode === "--saturate") {
    misplaced(
      [
        "duration",
        "max-requests",
        "max-invocations",
        "latency-p99-ms",
        "flat-invocations",
        "period",
        "flat-periods",
      ],
      "load tests, not --saturate",
    );
    let userLevels: number[] | undefined;
    if (values["user-levels"] !== undefined) {
      userLevels = String(values["user-levels"]).split(",").map((s) => Number(s.trim()));
      if (
        userLevels.some((u, i) =>
          !Number.isInteger(u) || u < 1 || (i > 0 && u <= userLevels![i - 1])
        )
      ) {
        throw new UsageError(
          `Invalid --user-levels "${
            values["user-levels"]
          }": give increasing whole numbers, e.g. 1,2,4,8`,
        );
      }
    }
    return {
      ...common,
      kind: "saturate",
      levelSeconds: num(values, "level-seconds", { integer: true, min: 1 }),
      warmupSeconds: num(values, "warmup-seconds", { integer: true, min: 0 }),
      maxLevels: num(values, "max-levels", { integer: true, min: 1 }),
      userLevels,
      maxErrorRate: num(values, "max-error-rate", { min: 0, max: 1 }),
      latencyP95Ms: num(values, "latency-p95-ms", { positive: true }),
      flatTolerance: num(values, "flat-tolerance", { min: 0 }),
      flatLevels: num(values, "flat-levels", { integer: true, min: 1 }),
    };
  }
  misplaced(saturateOnly, "--saturate");

  const p95 = num(values, "latency-p95-ms", { positive: true });
  const p99 = num(values, "latency-p99-ms", { positive: true });
  if (p95 !== undefined && p99 !== undefined) {
    throw new UsageError(
      "Give one latency threshold (--latency-p95-ms or --latency-p99-ms), as IR takes exactly one",
    );
  }
  const threshold: LatencyThreshold | undefined = p95 !== undefined
    ? { Percentile: "P95", ValueInMilliseconds: p95 }
    : p99 !== undefined
    ? { Percentile: "P99", ValueInMilliseconds: p99 }
    : undefined;
  const flat = values["flat-invocations"] as string | undefined;
  if (flat !== undefined && !/^(stop|continue)$/i.test(flat)) {
    throw new UsageError(`Invalid --flat-invocations "${flat}": give stop or continue`);
  }
  const duration = num(values, "duration", { positive: true });
  const stop: StopConditions = {
    maxRequests: num(values, "max-requests", { integer: true, min: 1 }),
    maxInvocations: num(values, "max-invocations", { positive: true }),
    modelLatencyThreshold: threshold,
    maxErrorRate: num(values, "max-error-rate", { min: 0, max: 1 }),
    flatInvocations: flat === undefined
      ? undefined
      : flat.toLowerCase() === "stop"
      ? "Stop"
      : "Continue",
    periodSeconds: num(values, "period", { integer: true, min: 1 }),
    flatPeriods: num(values, "flat-periods", { integer: true, min: 1 }),
    flatTolerance: num(values, "flat-tolerance", { min: 0 }),
  };
  for (const k of Object.keys(stop) as (keyof StopConditions)[]) {
    if (stop[k] === undefined) delete stop[k];
  }

  if (mode === "--users") {
    const users = num(values, "users", { integer: true, min: 1 })!;
    const spawnRate = num(values, "spawn-rate", { min: 0 }) ?? 0;
    return {
      ...common,
      kind: "run",
      pattern: {
        TrafficType: "PHASES",
        Phases: [{
          InitialNumberOfUsers: users,
          SpawnRate: spawnRate,
          DurationInSeconds: duration ?? 60,
        }],
      },
      stop,
    };
  }
  if (duration !== undefined) stop.durationSeconds = duration;
  if (mode === "--stairs-*") {
    if (stairsGiven.length !== 3) {
      throw new UsageError(
        "STAIRS needs all of --stairs-users U --stairs-steps K --stairs-duration S",
      );
    }
    return {
      ...common,
      kind: "run",
      pattern: {
        TrafficType: "STAIRS",
        Stairs: {
          UsersPerStep: num(values, "stairs-users", { integer: true, min: 1 })!,
          NumberOfSteps: num(values, "stairs-steps", { integer: true, min: 1 })!,
          DurationInSeconds: num(values, "stairs-duration", { positive: true })!,
        },
      },
      stop,
    };
  }
  if (mode === "--pattern") {
    return { ...common, kind: "run", patternPath: values.pattern as string, stop };
  }
  return {
    ...common,
    kind: "run",
    rate: num(values, "rate", { positive: true }),
    maxConnections: num(values, "max-connections", { integer: true, min: 1 }),
    stop,
  };
}

/**
 * Reads a `--pattern` file's JSON: either a TrafficPattern, or an object with `TrafficPattern`
 * and optional `StoppingConditions` in the API's shape (`MaxInvocations`,
 * `ModelLatencyThresholds` with one item, `FlatInvocations`). Flags win over the file.
 *
 * @example Usage
 * ```ts
 * import { patternFromJson } from "./cli_args.ts";
 * import assert from "node:assert/strict";
 * const { pattern, stop } = patternFromJson({
 *   TrafficPattern: { TrafficType: "STAIRS", Stairs: { DurationInSeconds: 60, NumberOfSteps: 3, UsersPerStep: 1 } },
 *   StoppingConditions: { MaxInvocations: 300, ModelLatencyThresholds: [{ Percentile: "P95", ValueInMilliseconds: 100 }] },
 * });
 * assert.equal(pattern.TrafficType, "STAIRS");
 * assert.deepEqual(stop, { maxInvocations: 300, modelLatencyThreshold: { Percentile: "P95", ValueInMilliseconds: 100 } });
 * ```
 */
export function patternFromJson(json: unknown): { pattern: TrafficPattern; stop: StopConditions } {
  if (typeof json !== "object" || json === null) {
    throw new UsageError(
      "Invalid pattern file: expected a JSON object with TrafficType and Phases or Stairs",
    );
  }
  const o = json as Record<string, unknown>;
  if (!("TrafficPattern" in o)) return { pattern: o as TrafficPattern, stop: {} };
  const stop: StopConditions = {};
  const sc = o.StoppingConditions as Record<string, unknown> | undefined;
  if (sc !== undefined) {
    if (typeof sc !== "object" || sc === null) {
      throw new UsageError("Invalid pattern file: StoppingConditions must be an object");
    }
    if (sc.MaxInvocations !== undefined) stop.maxInvocations = sc.MaxInvocations as number;
    const thresholds = sc.ModelLatencyThresholds;
    if (thresholds !== undefined) {
      if (!Array.isArray(thresholds) || thresholds.length !== 1) {
        throw new UsageError(
          "Invalid pattern file: ModelLatencyThresholds must hold exactly one item",
        );
      }
      stop.modelLatencyThreshold = thresholds[0] as LatencyThreshold;
    }
    if (sc.FlatInvocations !== undefined) {
      stop.flatInvocations = sc.FlatInvocations as "Stop" | "Continue";
    }
  }
  return { pattern: o.TrafficPattern as TrafficPattern, stop };
}
