/**
 * The one list of Debian packages the tests and benchmarks use (`packages.txt` at the top of the
 * repository): reading it, telling which packages are missing on this machine, and the line that
 * says how to install them. `.ci/run` and `deno task test` both read the same file.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** Where the package list lives. */
export const PACKAGE_LIST_PATH: string = fileURLToPath(new URL("../packages.txt", import.meta.url));

/** Debian's Python: the `py:` checks import their modules with it. */
export const DEBIAN_PYTHON = "/usr/bin/python3";

/** How to tell that a package is installed. */
export type PackageCheck =
  | { kind: "bin"; program: string }
  | { kind: "py"; modules: string[] };

/** One line of the package list. */
export interface DebianPackage {
  /**
   * The Debian package name, e.g. `python3-sklearn`; or `pip:NAME` for the few tools that are not
   * Debian packages (preinstalled on the build machines, `pip install NAME` elsewhere).
   */
  name: string;
  /** How to tell it is installed: every check must pass. */
  checks: PackageCheck[];
  /** What the tests or benchmarks use it for. */
  purpose: string;
  /** Line number in the file (1-based), for messages. */
  line: number;
}

/**
 * Parses the package list: one package per line, `name<TAB>checks<TAB>purpose` (checks separated by
 * spaces, each `bin:PROGRAM` or `py:MODULE[,MODULE]`), `#` comments and blank lines ignored. Throws on a malformed line, naming it.
 *
 * @example Usage
 * ```ts
 * import { parsePackageList } from "./packages.ts";
 * import assert from "node:assert/strict";
 * const list = parsePackageList("# comment\nwrk\tbin:wrk\tbenchmarks\n");
 * assert.deepEqual(list[0].checks, [{ kind: "bin", program: "wrk" }]);
 * ```
 */
export function parsePackageList(text: string): DebianPackage[] {
  const packages: DebianPackage[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trimEnd();
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue;
    const [name, check, ...rest] = raw.split("\t");
    const purpose = rest.join("\t").trim();
    const where = `packages.txt line ${i + 1}`;
    if (check === undefined || purpose === "") {
      throw new Error(
        `Cannot read the package list: ${where} needs three tab-separated columns (package, check, purpose)`,
      );
    }
    if (!/^(pip:)?[a-z0-9][a-z0-9+.-]+$/.test(name)) {
      throw new Error(`Cannot read the package list: ${where} does not start with a package name`);
    }
    const checks = check.split(" ").filter((c) => c !== "").map((c) => parseCheck(c, where));
    packages.push({ name, checks, purpose, line: i + 1 });
  }
  return packages;
}

function parseCheck(text: string, where: string): PackageCheck {
  const [kind, value] = [text.slice(0, text.indexOf(":")), text.slice(text.indexOf(":") + 1)];
  if (kind === "bin" && /^[\w.+-]+$/.test(value)) return { kind: "bin", program: value };
  if (kind === "py" && /^[\w.]+(,[\w.]+)*$/.test(value)) {
    return { kind: "py", modules: value.split(",") };
  }
  throw new Error(
    `Cannot read the package list: ${where} has check '${text}'; write bin:PROGRAM or py:MODULE[,MODULE]`,
  );
}

/**
 * Reads and parses the package list file.
 *
 * @example Usage
 * ```ts
 * import { readPackageList } from "./packages.ts";
 * import assert from "node:assert/strict";
 * const list = await readPackageList();
 * assert.ok(list.some((p) => p.name === "wrk"));
 * ```
 */
export async function readPackageList(path: string = PACKAGE_LIST_PATH): Promise<DebianPackage[]> {
  return parsePackageList(await Deno.readTextFile(path));
}

/** Directories searched for `bin:` programs besides `PATH`. */
const SYSTEM_BIN = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"];

/**
 * Where `program` is installed (an absolute path), or `undefined`.
 *
 * @example Usage
 * ```ts
 * import { findProgram } from "./packages.ts";
 * import assert from "node:assert/strict";
 * assert.ok((await findProgram("sh"))?.endsWith("/sh"));
 * assert.equal(await findProgram("surely-no-such-program"), undefined);
 * ```
 */
export async function findProgram(program: string): Promise<string | undefined> {
  const path = (Deno.env.get("PATH") ?? "").split(":").filter((d) => d !== "");
  for (const dir of [...path, ...SYSTEM_BIN]) {
    try {
      const info = await Deno.stat(`${dir}/${program}`);
      if (info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0) return `${dir}/${program}`;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * Whether the package's check passes on this machine.
 *
 * @example Usage
 * ```ts
 * import { isInstalled } from "./packages.ts";
 * import assert from "node:assert/strict";
 * const ok = await isInstalled({ name: "x", checks: [{ kind: "bin", program: "sh" }], purpose: "", line: 1 });
 * assert.equal(ok, true);
 * ```
 */
export async function isInstalled(pkg: DebianPackage): Promise<boolean> {
  for (const check of pkg.checks) if (!(await passes(check))) return false;
  return true;
}

async function passes(check: PackageCheck): Promise<boolean> {
  if (check.kind === "bin") return (await findProgram(check.program)) !== undefined;
  return await succeeds([DEBIAN_PYTHON, "-c", `import ${check.modules.join(", ")}`]);
}

/**
 * Whether the command runs and exits 0 (its output discarded); false when it cannot be started.
 *
 * @example Usage
 * ```ts
 * import { succeeds } from "./packages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(await succeeds(["true"]), true);
 * assert.equal(await succeeds(["false"]), false);
 * assert.equal(await succeeds(["surely-no-such-program"]), false);
 * ```
 */
export async function succeeds(cmd: readonly string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/**
 * The packages of `list` whose check fails here.
 *
 * @example Usage
 * ```ts
 * import { missingPackages } from "./packages.ts";
 * import assert from "node:assert/strict";
 * const gone = { kind: "bin", program: "surely-no-such-program" } as const;
 * const list = [{ name: "nope", checks: [gone], purpose: "", line: 1 }];
 * assert.deepEqual((await missingPackages(list)).map((p) => p.name), ["nope"]);
 * ```
 */
export async function missingPackages(list: readonly DebianPackage[]): Promise<DebianPackage[]> {
  const checks = await Promise.all(list.map((p) => isInstalled(p)));
  return list.filter((_, i) => !checks[i]);
}

/**
 * The command that installs `names`: `sudo apt-get install -y …` for Debian packages, `pip install
 * …` for `pip:` tools (both when both kinds are missing).
 *
 * @example Usage
 * ```ts
 * import { installCommand } from "./packages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(installCommand(["wrk", "tar"]), "sudo apt-get install -y wrk tar");
 * assert.equal(installCommand(["wrk", "pip:cfn-lint"]), "sudo apt-get install -y wrk && pip install cfn-lint");
 * ```
 */
export function installCommand(names: readonly string[]): string {
  const debian = names.filter((n) => !n.startsWith("pip:"));
  const pip = names.filter((n) => n.startsWith("pip:")).map((n) => n.slice(4));
  const commands = [];
  if (debian.length > 0) commands.push(`sudo apt-get install -y ${debian.join(" ")}`);
  if (pip.length > 0) commands.push(`pip install ${pip.join(" ")}`);
  return commands.join(" && ");
}

/**
 * Whether `name` is a Debian package (installed with apt-get), not a `pip:` tool.
 *
 * @example Usage
 * ```ts
 * import { isDebianPackage } from "./packages.ts";
 * import assert from "node:assert/strict";
 * assert.equal(isDebianPackage("wrk"), true);
 * assert.equal(isDebianPackage("pip:cfn-lint"), false);
 * ```
 */
export function isDebianPackage(name: string): boolean {
  return !name.startsWith("pip:");
}

let cachedMissing: Promise<Set<string>> | undefined;

/**
 * For a test's `ignore` option: `true` when one of `names` is missing and `CI` is unset (the test
 * is skipped, with one line saying what to install); `false` when all are there, or under `CI`
 * (where the test runs and fails on the missing tool — `deno task test` refuses to start then).
 * Throws when a name is not on the package list, so a test cannot depend on an unlisted package.
 *
 * @example Usage
 * ```ts
 * import { skipWithout } from "./packages.ts";
 * Deno.test({ name: "uses wrk", ignore: await skipWithout("wrk"), fn() {} });
 * ```
 */
export async function skipWithout(...names: string[]): Promise<boolean> {
  const list = await readPackageList();
  for (const name of names) {
    if (!list.some((p) => p.name === name)) {
      throw new Error(`Cannot check for ${name}: add it to packages.txt first`);
    }
  }
  cachedMissing ??= missingPackages(list).then((m) => new Set(m.map((p) => p.name)));
  const missing = [...await cachedMissing].filter((n) => names.includes(n));
  if (missing.length === 0 || Deno.env.get("CI")) return false;
  console.warn(`skipped: needs ${missing.join(", ")}; install with: ${installCommand(missing)}`);
  return true;
}
