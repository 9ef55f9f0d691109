/**
 * Script conventions shared by every step script: flags through `node:util` `parseArgs`,
 * `--help`, `--json`, `--from FILE` (repeatable; `-` is stdin; later files win, explicit flags win
 * over both), the common backend flags, and exit codes (2 for a user's mistake, 1 for a failure).
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Backend, Cloud } from "../cloud/types.ts";
import { InputError } from "./errors.ts";

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
 * assert.throws(() => numberInput({ "max-tps": "lots" }, "max-tps"), /not a number/);
 * ```
 */
export function numberInput(
  flags: Flags,
  flag: string,
  options: InputOptions<number> = {},
): number | undefined {
  const { from = {}, field = fieldOf(flag), fallback } = options;
  const raw = flags[flag];
  if (typeof raw === "string") {
    const value = raw.trim() === "" ? Number.NaN : Number(raw);
    if (Number.isNaN(value)) {
      throw new InputError(`Cannot read --${flag}: "${raw}" is not a number`);
    }
    return value;
  }
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

/**
 * Runs a step script: parses flags, handles `--help`, runs `main`, prints its result (`--json` or
 * `render`), and exits 2 on an {@linkcode InputError}, 1 on any other failure (message only,
 * stack with `--debug`). The backend is closed on every path.
 */
export async function runScript<R>(
  spec: ScriptSpec,
  main: (ctx: ScriptContext) => Promise<R>,
  options: RunScriptOptions<R>,
): Promise<void> {
  const { render, argv = Deno.args } = options;
  let debug = argv.includes("--debug");
  let cloud: Cloud | undefined;
  let code = 0;
  try {
    const flags = parseFlags(spec, argv);
    debug = flags.debug === true;
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
    const ctx: ScriptContext = {
      flags,
      from,
      fromFiles,
      json: flags.json === true,
      async cloud() {
        // Loaded on demand: scripts that never talk to a backend do not load the AWS SDK.
        const { openCloud } = await import("../cloud/open.ts");
        cloud ??= await openCloud({
          backend: backendFlag as Backend,
          region: (flags.region as string | undefined) ??
            (typeof from.region === "string" ? from.region : undefined),
          profile: flags.profile as string | undefined,
          endpointUrl: flags["endpoint-url"] as string | undefined,
          localDir: flags["local-dir"] as string | undefined,
        });
        return cloud;
      },
      roleArn() {
        return (flags["role-arn"] as string | undefined) ?? env("SAGEMAKER_ROLE_ARN") ??
          (typeof from.roleArn === "string" ? from.roleArn : undefined);
      },
    };
    const result = await main(ctx);
    console.log(ctx.json ? JSON.stringify(result, null, 2) : render(result));
  } catch (error) {
    code = error instanceof InputError ? 2 : 1;
    const message = error instanceof Error ? error.message : String(error);
    console.error(message.startsWith(`${spec.name}: `) ? message : `${spec.name}: ${message}`);
    if (debug && error instanceof Error && error.stack) console.error(error.stack);
  } finally {
    try {
      await cloud?.close();
    } catch (error) {
      console.error(`${spec.name}: cannot close the backend: ${(error as Error).message}`);
      code ||= 1;
    }
  }
  if (code !== 0) Deno.exit(code);
}
