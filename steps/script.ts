/**
 * Script conventions shared by every step script: flags through `node:util` `parseArgs`,
 * `--help`, `--json`, `--from FILE` (repeatable; `-` is stdin; later files win, explicit flags win
 * over both), the common backend flags, and exit codes (2 for a user's mistake, 1 for a failure).
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Backend, Cloud } from "../cloud/types.ts";
import { errorLine } from "./error_line.ts";
import { InputError } from "./errors.ts";
import { readLocalProfile } from "./local_profile.ts";
import { endProgress, setProgressMode } from "../progress/mod.ts";
import { InterruptedError, interruptibleCloud, isInterruption } from "./interrupt.ts";
import { Journal, newRunId } from "./journal.ts";
import { journaledCloud } from "./journaled_cloud.ts";

export { errorLine };

/** One flag of a script. */
export interface FlagSpec {
  type: "string" | "boolean";
  /** Shown by `--help`. */
  description: string;
  /** May be given several times. */
  multiple?: boolean;
  /** Placeholder in `--help`, e.g. `TPS`. */
  placeholder?: string;
}

/** What a script declares about itself. */
export interface ScriptSpec {
  /** The step's name, e.g. `plan`; messages start with it. */
  name: string;
  /** One line: what the script does. */
  summary: string;
  /** The script's own flags (the common ones are added). */
  flags: Record<string, FlagSpec>;
  /** Whether the script talks to a backend (adds --backend, --region ...). @default {true} */
  usesCloud?: boolean;
  /** Extra lines for `--help` (examples). */
  examples?: string[];
}

/** Parsed flags: strings, booleans, string lists. */
export type Flags = Record<string, string | boolean | string[] | undefined>;

/** What a script's main function gets. */
export interface ScriptContext {
  /** The flags, by their long name. */
  flags: Flags;
  /** Fields merged from the `--from` files (later files win). */
  from: Record<string, unknown>;
  /** Each `--from` file's object, in order (for inputs that accumulate, like `created[]`). */
  fromFiles: Record<string, unknown>[];
  /** Whether `--json` was given. */
  json: boolean;
  /** Opens the backend the common flags name (once; closed when the script ends). */
  cloud(): Promise<Cloud>;
  /** The role ARN from `--role-arn`, `SAGEMAKER_ROLE_ARN` or the `--from` files. */
  roleArn(): string | undefined;
  /** The run id: the `--from` files' `runId`, else a new one (printed with `--json`). */
  runId: string;
  /** The journal of this run, once {@linkcode ScriptContext.cloud} opened the backend. */
  journal(): Journal | undefined;
}

/** Options of {@linkcode runScript}. */
export interface RunScriptOptions<R> {
  /** How the result reads for people (without `--json`). */
  render: (result: R) => string;
  /**
   * The command-line arguments.
   * @default {Deno.args}
   */
  argv?: string[];
}

const COMMON_FLAGS: Record<string, FlagSpec> = {
  json: { type: "boolean", description: "print the result as JSON (the next step's --from input)" },
  from: {
    type: "string",
    multiple: true,
    placeholder: "FILE",
    description: "read inputs from a previous step's --json output (repeatable; - for stdin)",
  },
  help: { type: "boolean", description: "show this help" },
  debug: { type: "boolean", description: "print stack traces of unexpected failures" },
  quiet: { type: "boolean", description: "show no progress on stderr (errors still print)" },
};

const CLOUD_FLAGS: Record<string, FlagSpec> = {
  backend: {
    type: "string",
    placeholder: "local|aws",
    description: "backend to use (default local, env SCALING_BACKEND)",
  },
  region: { type: "string", placeholder: "REGION", description: "AWS region (env AWS_REGION)" },
  profile: { type: "string", placeholder: "NAME", description: "AWS named profile (aws backend)" },
  "endpoint-url": {
    type: "string",
    placeholder: "URL",
    description: "endpoint URL for every AWS service (env AWS_ENDPOINT_URL also works)",
  },
  "local-dir": {
    type: "string",
    placeholder: "DIR",
    description: "folder of the local backend's state (default .sagemaker-local)",
  },
  "local-profile": {
    type: "string",
    placeholder: "original|FILE",
    description:
      "local backend: simulate the instance type with this capacity profile, not this machine",
  },
  "role-arn": {
    type: "string",
    placeholder: "ARN",
    description: "SageMaker execution role (env SAGEMAKER_ROLE_ARN; required on aws)",
  },
};

/**
 * The `--help` text of a script.
 *
 * @example Usage
 * ```ts
 * import { helpText } from "./script.ts";
 * import assert from "node:assert/strict";
 * const text = helpText({ name: "plan", summary: "Plan capacity", usesCloud: false,
 *   flags: { "max-tps": { type: "string", placeholder: "TPS", description: "peak TPS" } } });
 * assert.match(text, /--max-tps TPS/);
 * ```
 */
export function helpText(spec: ScriptSpec): string {
  const all = allFlags(spec);
  const rows = Object.entries(all).map(([name, f]) => {
    const left = `  --${name}${f.type === "string" ? ` ${f.placeholder ?? "VALUE"}` : ""}`;
    return `${left.padEnd(30)} ${f.description}`;
  });
  return [
    `${spec.name}: ${spec.summary}`,
    "",
    `Usage: deno task ${spec.name} [options]`,
    "",
    "Options:",
    ...rows,
    ...(spec.examples?.length ? ["", "Examples:", ...spec.examples.map((e) => `  ${e}`)] : []),
  ].join("\n");
}

function allFlags(spec: ScriptSpec): Record<string, FlagSpec> {
  return { ...spec.flags, ...(spec.usesCloud === false ? {} : CLOUD_FLAGS), ...COMMON_FLAGS };
}

/**
 * Parses argv against a script's flags; unknown flags and missing values are {@linkcode InputError}s.
 *
 * @example Usage
 * ```ts
 * import { parseFlags } from "./script.ts";
 * import assert from "node:assert/strict";
 * const spec = { name: "plan", summary: "", usesCloud: false,
 *   flags: { "max-tps": { type: "string" as const, description: "" } } };
 * assert.equal(parseFlags(spec, ["--max-tps", "500"])["max-tps"], "500");
 * assert.throws(() => parseFlags(spec, ["--nope"]), /Unknown option '--nope'/);
 * ```
 */
export function parseFlags(spec: ScriptSpec, argv: string[]): Flags {
  const flags = allFlags(spec);
  // A value that starts with a dash (a negative number) would read as a flag: keep it a value,
  // so that validation can say what is wrong with it.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].startsWith("--") ? argv[i].slice(2) : undefined;
    const next = argv[i + 1];
    // A flag right after a flag that takes a value: the value is missing (node:util would say
    // "ambiguous" over three lines, or take the flag as the value).
    if (
      name !== undefined && flags[name]?.type === "string" &&
      (next === undefined || (next.startsWith("--") && next.length > 2))
    ) {
      throw new InputError(
        `Missing the value of --${name}: give --${name} ${flags[name].placeholder ?? "VALUE"}${
          next === undefined ? "" : ` before ${next}`
        }; see --help`,
      );
    }
    if (
      name !== undefined && flags[name]?.type === "string" && next !== undefined &&
      /^-\d|^-\.\d|^-Infinity$/.test(next)
    ) {
      args.push(`${argv[i]}=${next}`);
      i++;
    } else {
      args.push(argv[i]);
    }
  }
  const options = Object.fromEntries(
    Object.entries(flags).map((
      [name, f],
    ) => [name, { type: f.type, multiple: f.multiple === true }]),
  );
  try {
    const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
    return values as Flags;
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional.*$/s, "");
    throw new InputError(`${message.replace(/\.$/, "")}: see --help`);
  }
}

/** Reads each `--from` JSON file (objects; `-` is stdin), in order. */
export async function readFromFileList(
  paths: readonly string[],
): Promise<Record<string, unknown>[]> {
  const files: Record<string, unknown>[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = path === "-"
        ? await new Response(Deno.stdin.readable).text()
        : await Deno.readTextFile(path);
    } catch (error) {
      throw new InputError(`Cannot read --from "${path}": ${(error as Error).message}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new InputError(
        `Cannot read --from "${path}": it is not JSON; give the --json output of a previous step`,
      );
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new InputError(`Cannot read --from "${path}": it must hold a JSON object`);
    }
    files.push(value as Record<string, unknown>);
  }
  return files;
}

/** Where {@linkcode numberInput} and {@linkcode stringInput} look besides the flag. */
export interface InputOptions<T> {
  /**
   * The fields carried by the `--from` files (`ScriptContext.from`).
   * @default {{}} (the flag only)
   */
  from?: Record<string, unknown>;
  /**
   * The field of `from` that carries the value.
   * @default the flag in camelCase (`max-tps` → `maxTps`)
   */
  field?: string;
  /**
   * The value when neither the flag nor `from` gives one.
   * @default {undefined}
   */
  fallback?: T;
}

/** Where {@linkcode requiredNumber} and {@linkcode requiredString} look, and what to say when neither has it. */
export interface RequiredInputOptions {
  /**
   * The fields carried by the `--from` files (`ScriptContext.from`).
   * @default {{}} (the flag only)
   */
  from?: Record<string, unknown>;
  /**
   * The field of `from` that carries the value.
   * @default the flag in camelCase (`max-tps` → `maxTps`)
   */
  field?: string;
  /**
   * What `--from` should be, e.g. `the output of "plan --json"`.
   * @default a file that has `field`
   */
  source?: string;
}

/** The `--from` field a flag reads by default: `max-tps` → `maxTps`. */
function fieldOf(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * A number from a flag, else from the `--from` fields, else the default; anything unreadable is
 * an {@linkcode InputError} naming the flag.
 *
 * @example Usage
 * ```ts
 * import { numberInput } from "./script.ts";
 * import assert from "node:assert/strict";
 * assert.equal(numberInput({ "max-tps": "500" }, "max-tps"), 500);
 * assert.equal(numberInput({}, "max-tps", { from: { maxTps: 70 } }), 70);
 * assert.equal(numberInput({}, "growth-factor", { fallback: 1.2 }), 1.2);
 * assert.throws(() => numberInput({ "max-tps": "lots" }, "max-tps"), /not a decimal number/);
 * ```
 */
export function numberInput(
  flags: Flags,
  flag: string,
  options: InputOptions<number> = {},
): number | undefined {
  const { from = {}, field = fieldOf(flag), fallback } = options;
  const raw = flags[flag];
  if (typeof raw === "string") return parseDecimal(raw, `--${flag}`);
  const carried = from[field];
  if (carried !== undefined && carried !== null) {
    if (typeof carried !== "number") {
      throw new InputError(
        `Cannot read "${field}" from --from: ${JSON.stringify(carried)} is not a number`,
      );
    }
    return carried;
  }
  return fallback;
}

/**
 * A decimal number as people write it (`500`, `-1`, `0.5`, `1e3`): no hexadecimal, binary or
 * octal (`Number("0x10")` is 16), no blanks, no `Infinity`, nothing too large for a double.
 *
 * @example Usage
 * ```ts
 * import { parseDecimal } from "./script.ts";
 * import assert from "node:assert/strict";
 * assert.equal(parseDecimal("1e3", "--max-tps"), 1000);
 * assert.throws(() => parseDecimal("0x10", "--max-tps"), /^InputError: Cannot read --max-tps: "0x10" is not a decimal number/);
 * assert.throws(() => parseDecimal("1e400", "--max-tps"), /too large/);
 * ```
 */
export function parseDecimal(raw: string, what: string): number {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw)) {
    throw new InputError(
      `Cannot read ${what}: "${raw}" is not a decimal number (e.g. 500, 0.5, 1e3)`,
    );
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new InputError(`Cannot read ${what}: "${raw}" is too large`);
  }
  return value;
}

/**
 * Like {@linkcode numberInput}, but a missing value is an {@linkcode InputError} that says how to give it.
 *
 * @example Usage
 * ```ts
 * import { requiredNumber } from "./script.ts";
 * import assert from "node:assert/strict";
 * assert.throws(() => requiredNumber({}, "max-tps", { from: {} }), /Missing --max-tps/);
 * ```
 */
export function requiredNumber(
  flags: Flags,
  flag: string,
  options: RequiredInputOptions = {},
): number {
  const { from, field = fieldOf(flag), source } = options;
  return required(numberInput(flags, flag, { from, field }), flag, field, source);
}

/**
 * Like {@linkcode stringInput}, but a missing value is an {@linkcode InputError} that says how to give it.
 *
 * @example Usage
 * ```ts
 * import { requiredString } from "./script.ts";
 * import assert from "node:assert/strict";
 * assert.equal(requiredString({}, "job-name", { from: { jobName: "j" } }), "j");
 * assert.throws(
 *   () => requiredString({}, "job-name", { source: 'the output of "recommend --json"' }),
 *   /^InputError: Missing --job-name: give it, or --from the output of "recommend --json"$/,
 * );
 * ```
 */
export function requiredString(
  flags: Flags,
  flag: string,
  options: RequiredInputOptions = {},
): string {
  const { from, field = fieldOf(flag), source } = options;
  return required(stringInput(flags, flag, { from, field }), flag, field, source);
}

function required<T>(value: T | undefined, flag: string, field: string, source?: string): T {
  if (value === undefined) {
    throw new InputError(
      `Missing --${flag}: give it, or --from ${source ?? `a file that has "${field}"`}`,
    );
  }
  return value;
}

/**
 * A string from a flag, else from the `--from` fields, else the default.
 *
 * @example Usage
 * ```ts
 * import { stringInput } from "./script.ts";
 * import assert from "node:assert/strict";
 * assert.equal(stringInput({}, "variant-name", { fallback: "AllTraffic" }), "AllTraffic");
 * assert.equal(stringInput({}, "variant-name", { from: { variantName: "v2" } }), "v2");
 * ```
 */
export function stringInput(
  flags: Flags,
  flag: string,
  options: InputOptions<string> = {},
): string | undefined {
  const { from = {}, field = fieldOf(flag), fallback } = options;
  const raw = flags[flag];
  if (typeof raw === "string") return raw;
  const carried = from[field];
  if (typeof carried === "string") return carried;
  if (carried !== undefined && carried !== null) {
    throw new InputError(
      `Cannot read "${field}" from --from: ${
        JSON.stringify(carried)
      } is not a string; give --${flag}, or fix the file`,
    );
  }
  return fallback;
}

/** Formats label/value pairs as a two-column table for people. */
export function table(rows: readonly (readonly [string, unknown])[]): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows
    .filter(([, v]) => v !== undefined)
    .map(([label, value]) => `${label.padEnd(width)}  ${formatValue(value)}`)
    .join("\n");
}

function formatValue(value: unknown): string {
  if (typeof value === "number") {
    return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(4)));
  }
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

// The same reader as cloud/open.ts's, kept here on purpose: importing that module loads the AWS
// SDK clients, which `--help` and the plan step never need (openCloud is imported on first use).
function env(name: string): string | undefined {
  try {
    return Deno.env.get(name) || undefined;
  } catch {
    return undefined;
  }
}

/** Exit codes of a run ended by a signal (128 + the signal's number). */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** What a run ended by a signal tells people to do when it cannot finish its own cleanup. */
const ORPHANS_HINT = "to see what is left: deno task cleanup --orphans (add --yes to delete it)";

/**
 * Runs a step script: parses flags, handles `--help`, runs `main`, prints its result (`--json` or
 * `render`), and exits 2 on an {@linkcode InputError}, 1 on any other failure (message only,
 * stack with `--debug`). The backend is closed on every path.
 *
 * The backend `main` gets journals every create and delete call (`.sagemaker-lab/journal.jsonl`)
 * and tags what it creates with the run id. On SIGINT or SIGTERM, every further call of `main`
 * fails, what this process created is deleted (from its journal records), and the script exits
 * 130 or 143; a second SIGINT stops that cleanup and says how to find what is left.
 */
export async function runScript<R>(
  spec: ScriptSpec,
  main: (ctx: ScriptContext) => Promise<R>,
  options: RunScriptOptions<R>,
): Promise<void> {
  const { render, argv = Deno.args } = options;
  let debug = argv.includes("--debug");
  let raw: Cloud | undefined;
  let journaled: Cloud | undefined;
  let journal: Journal | undefined;
  let code = 0;
  let interrupted: string | undefined;
  let onInterrupt: (() => void) | undefined;
  const interruption = new Promise<void>((resolve) => onInterrupt = resolve);
  const listeners = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const listener = () => {
      if (interrupted === undefined) {
        interrupted = signal;
        console.error(
          `${spec.name}: ${signal}: deleting what this run created (Ctrl-C again to stop)`,
        );
        onInterrupt!();
      } else if (signal === "SIGINT") {
        console.error(`${spec.name}: interrupted again: cleanup stopped; ${ORPHANS_HINT}`);
        Deno.exit(SIGNAL_EXIT[signal]);
      }
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  try {
    const flags = parseFlags(spec, argv);
    debug = flags.debug === true;
    if (flags.quiet === true) setProgressMode("quiet");
    if (flags.help) {
      console.log(helpText(spec));
      return;
    }
    const fromFiles = await readFromFileList((flags.from as string[] | undefined) ?? []);
    const from: Record<string, unknown> = Object.assign({}, ...fromFiles);
    const backendFlag = (flags.backend as string | undefined) ?? env("SCALING_BACKEND") ?? "local";
    if (backendFlag !== "local" && backendFlag !== "aws") {
      throw new InputError(
        `Cannot use backend "${backendFlag}": use --backend local or --backend aws`,
      );
    }
    const runId = typeof from.runId === "string" ? from.runId : newRunId();
    let guarded: Cloud | undefined;
    const ctx: ScriptContext = {
      flags,
      from,
      fromFiles,
      json: flags.json === true,
      runId,
      journal: () => journal,
      async cloud() {
        if (guarded !== undefined) return guarded;
        // Loaded on demand: scripts that never talk to a backend do not load the AWS SDK.
        const { openCloud } = await import("../cloud/open.ts");
        const localDir = (flags["local-dir"] as string | undefined) ?? env("SCALING_LOCAL_DIR") ??
          ".sagemaker-local";
        const profileFlag = flags["local-profile"] as string | undefined;
        if (profileFlag !== undefined && backendFlag !== "local") {
          throw new InputError(
            "Cannot use --local-profile with --backend aws: AWS measures the real instance; drop the flag",
          );
        }
        const profile = profileFlag === undefined ? undefined : await readLocalProfile(profileFlag);
        try {
          raw = await openCloud({
            backend: backendFlag as Backend,
            ...(profile === undefined ? {} : { local: { profile } }),
            region: (flags.region as string | undefined) ??
              (typeof from.region === "string" ? from.region : undefined),
            profile: flags.profile as string | undefined,
            endpointUrl: flags["endpoint-url"] as string | undefined,
            localDir,
          });
        } catch (error) {
          // No region for the AWS backend: a setting to give (AwsSetupError of cloud/aws.ts,
          // told by its name: this module does not load the SDK).
          if ((error as Error)?.name === "AwsSetupError") {
            throw new InputError((error as Error).message, { cause: error });
          }
          throw error;
        }
        journal = new Journal(raw, { runId, localDir });
        journaled = journaledCloud(raw, journal);
        guarded = interruptibleCloud(journaled, () => interrupted);
        return guarded;
      },
      roleArn() {
        return (flags["role-arn"] as string | undefined) ?? env("SAGEMAKER_ROLE_ARN") ??
          (typeof from.roleArn === "string" ? from.roleArn : undefined);
      },
    };
    const running = main(ctx);
    const first = await Promise.race([running.then(() => "done"), interruption]).catch(() =>
      "done"
    );
    if (first !== "done" || interrupted !== undefined) {
      // Every call of main now fails: let it unwind (briefly) so it creates nothing more.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        running.catch(() => {}),
        new Promise((resolve) => timer = setTimeout(resolve, 10_000)),
      ]);
      clearTimeout(timer);
      throw new InterruptedError(interrupted!);
    }
    const result = await running;
    console.log(ctx.json ? JSON.stringify(withRunId(result, runId), null, 2) : render(result));
  } catch (error) {
    if (interrupted !== undefined || isInterruption(error)) {
      code = SIGNAL_EXIT[interrupted ?? "SIGINT"];
      await cleanUpAfterSignal(spec.name, journaled, journal);
    } else {
      code = error instanceof InputError ? 2 : 1;
      const message = errorLine(error);
      console.error(message.startsWith(`${spec.name}: `) ? message : `${spec.name}: ${message}`);
      if (debug && error instanceof Error && error.stack) console.error(error.stack);
    }
  } finally {
    endProgress();
    try {
      await raw?.close();
    } catch (error) {
      console.error(`${spec.name}: cannot close the backend: ${(error as Error).message}`);
      code ||= 1;
    }
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  }
  if (code !== 0) Deno.exit(code);
}

/** A `--json` result with the run id, so that the next step's `--from` carries it on. */
function withRunId<R>(result: R, runId: string): unknown {
  if (typeof result !== "object" || result === null || Array.isArray(result)) return result;
  return "runId" in result ? result : { runId, ...result };
}

/** Deletes what this process's journal says it created and did not delete. */
async function cleanUpAfterSignal(
  name: string,
  cloud: Cloud | undefined,
  journal: Journal | undefined,
): Promise<void> {
  const left = journal?.outstanding() ?? [];
  if (cloud === undefined || journal === undefined || left.length === 0) {
    console.error(`${name}: interrupted; nothing this run created is left`);
    return;
  }
  // Loaded on demand, like openCloud: the deletions load the AWS SDK clients.
  const { deleteOrphans } = await import("./deletion.ts");
  try {
    const result = await deleteOrphans(
      cloud,
      left.map((r) => ({ ...r, foundBy: "journal" as const })),
      { journal },
    );
    const failed = result.failed.map((f) => `${f.resource.kind} ${f.resource.name}`);
    console.error(
      `${name}: interrupted; deleted ${result.deleted.length}, already gone ${result.alreadyGone.length}${
        failed.length > 0 ? `, could not delete ${failed.join(", ")}; ${ORPHANS_HINT}` : ""
      }`,
    );
  } catch (error) {
    console.error(
      `${name}: interrupted; cleanup failed: ${(error as Error).message}; ${ORPHANS_HINT}`,
    );
  }
}
