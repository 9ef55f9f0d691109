import { denoChildEnv } from "../machine/children.ts";
/**
 * The one test command (`deno task test`): makes sure the Debian tools the tests use are there
 * (installs them with apt-get when it runs as root; otherwise says exactly what to install), runs
 * every test with `deno test`, and prints a last line `N passed, N failed`.
 *
 * With `CI` set, a missing tool is a failure, never a skipped test.
 *
 * @module
 */

/** A Debian package the tests need and how to tell it is installed. */
interface Requirement {
  pkg: string;
  why: string;
  check: string[];
}

const PY = "/usr/bin/python3";

/** What the tests need from Debian. */
export const REQUIREMENTS: Requirement[] = [
  {
    pkg: "jupyter-nbconvert",
    why: "runs the notebooks under the Deno kernel",
    check: ["/usr/bin/jupyter-nbconvert", "--version"],
  },
  {
    pkg: "python3-nbclient",
    why: "notebook driver",
    check: [PY, "-c", "import nbclient, jupyter_client"],
  },
  {
    pkg: "python3-xgboost",
    why: "checks our XGBoost scorer and trainer against real XGBoost",
    check: [PY, "-c", "import xgboost"],
  },
  {
    pkg: "python3-locust",
    why: "fidelity check of the load generator",
    check: [PY, "-c", "import locust"],
  },
  { pkg: "wrk", why: "load-generator benchmark", check: ["wrk", "--version"] },
  {
    pkg: "util-linux",
    why: "taskset pins servers and load to cores",
    check: ["taskset", "--version"],
  },
];

async function succeeds(cmd: string[]): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd[0], {
      args: cmd.slice(1),
      stdout: "null",
      stderr: "null",
    }).output();
    // wrk --version exits 1 after printing its version: being found is what counts.
    return out.success || cmd[0] === "wrk";
  } catch {
    return false;
  }
}

async function missingPackages(): Promise<Requirement[]> {
  const missing: Requirement[] = [];
  for (const r of REQUIREMENTS) if (!(await succeeds(r.check))) missing.push(r);
  return missing;
}

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

/** Counts test cases and failures in a JUnit XML report. */
export function countJunit(xml: string): { passed: number; failed: number } {
  const cases = xml.match(/<testcase\b[^>]*?(\/>|>[\s\S]*?<\/testcase>)/g) ?? [];
  let failed = 0;
  let skipped = 0;
  for (const c of cases) {
    if (/<(failure|error)\b/.test(c)) failed++;
    else if (/<skipped\b/.test(c)) skipped++;
  }
  return { passed: cases.length - failed - skipped, failed };
}

async function main(): Promise<number> {
  const ci = Boolean(Deno.env.get("CI"));
  let missing = await missingPackages();
  if (missing.length > 0 && await aptInstall(missing.map((m) => m.pkg))) {
    missing = await missingPackages();
  }
  if (missing.length > 0) {
    const list = missing.map((m) => m.pkg).join(" ");
    console.error(`test: missing Debian packages: ${list}`);
    for (const m of missing) console.error(`  ${m.pkg}: ${m.why}`);
    console.error(`test: install them with: sudo apt-get install -y ${list}`);
    if (ci) {
      console.log("0 passed, 1 failed");
      return 1;
    }
    console.error("test: tests that need them will be skipped (CI is not set)");
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
    env: denoChildEnv({ NO_COLOR: "1" }),
  }).output();
  let counts = { passed: 0, failed: run.success ? 0 : 1 };
  try {
    counts = countJunit(await Deno.readTextFile(report));
    if (!run.success && counts.failed === 0) counts.failed = 1; // e.g. a type error before any test ran
  } catch {
    // no report: the run failed before tests started; counted as one failure above
  }
  console.log(`${counts.passed} passed, ${counts.failed} failed`);
  return run.success && counts.failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
