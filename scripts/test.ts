/**
 * The one test command (`deno task test`): before any test runs, checks every Debian package of
 * `packages.txt` (installs the missing ones with apt-get when it runs as root; otherwise names
 * each with the command that installs it), runs every test with `deno test`, and prints a last
 * line `N passed, N failed`.
 *
 * With `CI` set, a missing package fails the run before any test starts; without it, only the
 * tests that need the package are skipped, and the last line says which package was missing.
 *
 * @module
 */
import {
  installCommand,
  isDebianPackage,
  missingPackages,
  readPackageList,
  succeeds,
} from "./packages.ts";

async function aptInstall(pkgs: string[]): Promise<boolean> {
  const isRoot = Deno.uid?.() === 0;
  if (!isRoot || !(await succeeds(["apt-get", "--version"]))) return false;
  console.error(`test: installing ${pkgs.join(" ")} with apt-get`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const update = await new Deno.Command("apt-get", { args: ["update", "-qq"], env }).output();
  if (!update.success) return false;
  const install = await new Deno.Command("apt-get", {
    args: ["install", "-y", "-qq", "--no-install-recommends", ...pkgs],
    env,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return install.success;
}

/**
 * Counts test cases, failures and skipped tests in a JUnit XML report (each test step is a case).
 *
 * @example Usage
 * ```ts
 * import { countJunit } from "./test.ts";
 * import assert from "node:assert/strict";
 * const xml = '<testsuite><testcase name="a"></testcase><testcase name="b"><failure message="x"/>' +
 *   '</testcase><testcase name="c"><skipped/></testcase><testcase name="d"/></testsuite>';
 * assert.deepEqual(countJunit(xml), { passed: 2, failed: 1, skipped: 1 });
 * ```
 */
export function countJunit(xml: string): { passed: number; failed: number; skipped: number } {
  const cases = xml.match(/<testcase\b[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g) ?? [];
  let failed = 0;
  let skipped = 0;
  for (const c of cases) {
    if (/<(failure|error)\b/.test(c)) failed++;
    else if (/<skipped\b/.test(c)) skipped++;
  }
  return { passed: cases.length - failed - skipped, failed, skipped };
}

/**
 * The last line of a run: `N passed, N failed`, then `, N skipped` when tests were skipped, and
 * what was missing when packages were.
 *
 * @example Usage
 * ```ts
 * import { summaryLine } from "./test.ts";
 * import assert from "node:assert/strict";
 * assert.equal(summaryLine({ passed: 3, failed: 0, skipped: 0 }, []), "3 passed, 0 failed");
 * assert.equal(
 *   summaryLine({ passed: 3, failed: 0, skipped: 2 }, ["wrk"]),
 *   "3 passed, 0 failed, 2 skipped (not installed: wrk; sudo apt-get install -y wrk)",
 * );
 * ```
 */
export function summaryLine(
  counts: { passed: number; failed: number; skipped: number },
  missing: readonly string[],
): string {
  let line = `${counts.passed} passed, ${counts.failed} failed`;
  if (counts.skipped > 0 || missing.length > 0) line += `, ${counts.skipped} skipped`;
  if (missing.length > 0) {
    line += ` (not installed: ${missing.join(", ")}; ${installCommand(missing)})`;
  }
  return line;
}

async function main(): Promise<number> {
  const ci = Boolean(Deno.env.get("CI"));
  const list = await readPackageList();
  let missing = await missingPackages(list);
  const debian = missing.map((m) => m.name).filter(isDebianPackage);
  if (debian.length > 0 && await aptInstall(debian)) {
    missing = await missingPackages(list);
  }
  const names = missing.map((m) => m.name);
  for (const m of missing) {
    console.error(
      `test: missing Debian package ${m.name} (${m.purpose}); install it with: ${
        installCommand([m.name])
      }`,
    );
  }
  if (missing.length > 0 && ci) {
    console.error("test: CI is set, so a missing package fails the run before any test runs");
    console.log("0 passed, 1 failed");
    return 1;
  }
  if (missing.length > 0) {
    console.error("test: the tests that need them are skipped (CI is not set)");
  }
  const report = "out/test-results.xml";
  await Deno.mkdir("out", { recursive: true });
  const args = [
    "test",
    "--allow-all",
    "--doc",
    "--parallel",
    `--junit-path=${report}`,
    ...Deno.args,
  ];
  const run = await new Deno.Command(Deno.execPath(), {
    args,
    stdout: "inherit",
    stderr: "inherit",
    env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
  }).output();
  let counts = { passed: 0, failed: run.success ? 0 : 1, skipped: 0 };
  try {
    counts = countJunit(await Deno.readTextFile(report));
    if (!run.success && counts.failed === 0) counts.failed = 1; // e.g. a type error before any test ran
  } catch {
    // no report: the run failed before tests started; counted as one failure above
  }
  console.log(summaryLine(counts, names));
  return run.success && counts.failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
