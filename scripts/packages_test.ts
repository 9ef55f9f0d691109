// Proves that packages.txt is the whole story: every program and every Python module that a test,
// a benchmark or a test helper invokes is named on the list (or comes with Python's standard
// library / one of Debian's essential packages), and that the list's parser, the test runner's
// last line and `.ci/run` agree with the file.
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join, relative } from "node:path";
import {
  DEBIAN_PYTHON,
  findProgram,
  installCommand,
  parsePackageList,
  readPackageList,
  skipWithout,
} from "./packages.ts";
import { summaryLine } from "./test.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** Every TypeScript and Python file of the repository (tests, benchmarks, helpers and code). */
async function invokingFiles(): Promise<string[]> {
  const files: string[] = [];
  async function walk(dir: string): Promise<void> {
    for await (const e of Deno.readDir(dir)) {
      const path = join(dir, e.name);
      if (e.isDirectory && ![".git", "node_modules", "out", ".sagemaker-local"].includes(e.name)) {
        await walk(path);
      } else if (e.isFile && /\.(ts|py)$/.test(e.name)) files.push(path);
    }
  }
  await walk(ROOT);
  return files.sort();
}

/** The contents of the string literals of a TypeScript file (comments skipped). */
export function stringLiterals(source: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === "/" && source[i + 1] === "/") {
      i = source.indexOf("\n", i) === -1 ? source.length : source.indexOf("\n", i);
    } else if (c === "/" && source[i + 1] === "*") {
      i = source.indexOf("*/", i + 2) === -1 ? source.length : source.indexOf("*/", i + 2) + 2;
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      let text = "";
      while (j < source.length && source[j] !== c) {
        if (source[j] === "\\") {
          text += source[j + 1] === "n" ? "\n" : source[j + 1];
          j += 2;
        } else text += source[j++];
      }
      out.push(text);
      i = j + 1;
    } else i++;
  }
  return out;
}

/** Top-level Python modules imported by `code` (lines of Python, possibly `;`-joined). */
export function pythonImports(code: string): string[] {
  const modules = new Set<string>();
  for (const statement of code.split(/[\n;]/)) {
    const s = statement.trim();
    const from = /^from\s+([A-Za-z_][\w.]*)\s+import\b/.exec(s);
    if (from) modules.add(from[1].split(".")[0]);
    const imp = /^import\s+(.+)$/.exec(s);
    if (imp && !/[{}"'`*]/.test(imp[1])) {
      for (const part of imp[1].split(",")) {
        const name = part.trim().split(/\s+/)[0];
        if (/^[A-Za-z_][\w.]*$/.test(name)) modules.add(name.split(".")[0]);
      }
    }
  }
  return [...modules];
}

/** `source` with its comments blanked out (string literals kept). */
export function withoutComments(source: string): string {
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === "/" && (source[i + 1] === "/" || source[i + 1] === "*")) {
      const close = source[i + 1] === "/" ? "\n" : "*/";
      const end = source.indexOf(close, i + 2);
      i = end === -1 ? source.length : end + close.length;
      out += " ";
    } else if (c === '"' || c === "'" || c === "`") {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === "\\" ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else out += source[i++];
  }
  return out;
}

/** Programs a TypeScript file spawns: command literals and absolute program paths. */
export function spawnedPrograms(typescript: string): string[] {
  const source = withoutComments(typescript);
  const programs = new Set<string>();
  const patterns = [
    /new Deno\.Command\(\s*"([\w./+-]+)"/g,
    /\b(?:requireTool|findProgram)\(\s*"([\w./+-]+)"/g,
    /\bhas\(\s*"([\w./+-]+)",\s*\[/g,
    /"\/(?:usr\/)?s?bin\/([\w.+-]+)"/g,
  ];
  for (const pattern of patterns) {
    for (const m of source.matchAll(pattern)) programs.add(m[1].split("/").pop()!);
  }
  return [...programs];
}

async function pythonStdlib(): Promise<Set<string>> {
  const out = await new Deno.Command(DEBIAN_PYTHON, {
    args: ["-c", "import sys; print('\\n'.join(sorted(sys.stdlib_module_names)))"],
    stdout: "piped",
  }).output();
  assert.ok(out.success, `${DEBIAN_PYTHON} must run (package python3)`);
  return new Set(new TextDecoder().decode(out.stdout).split("\n").concat("__future__"));
}

/** Whether `program` belongs to one of Debian's essential or required packages. */
async function fromEssentialPackage(program: string): Promise<boolean> {
  const path = await findProgram(program);
  if (path === undefined) return false;
  const real = await Deno.realPath(path);
  const candidates = [path, real].flatMap((p) => [p, p.replace(/^\/usr\//, "/"), `/usr${p}`]);
  for (const candidate of candidates) {
    const owner = await new Deno.Command("dpkg-query", {
      args: ["-S", candidate],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!owner.success) continue;
    const owners = new TextDecoder().decode(owner.stdout).split("\n")
      .filter((line) => line.includes(":") && !line.startsWith("diversion"))
      .flatMap((line) => line.slice(0, line.indexOf(":")).split(",").map((p) => p.trim()));
    for (const pkg of owners) {
      const info = await new Deno.Command("dpkg-query", {
        args: ["-W", "-f=${Essential} ${Priority}", pkg],
        stdout: "piped",
      }).output();
      const text = new TextDecoder().decode(info.stdout);
      if (/^yes\b/.test(text) || /\brequired$/.test(text)) return true;
    }
  }
  return false;
}

/** Programs that are not Debian packages: Deno itself, shell built-ins. */
const NOT_PACKAGES = new Set(["deno", "kill"]);

Deno.test("every program and Python module the tests and benchmarks invoke is on packages.txt", async () => {
  const list = await readPackageList();
  const listedModules = new Set(
    list.flatMap((p) => p.checks.flatMap((c) => c.kind === "py" ? c.modules : [])),
  );
  const listedPrograms = new Set(
    list.flatMap((p) => p.checks.flatMap((c) => c.kind === "bin" ? [c.program] : [])),
  );
  const stdlib = await pythonStdlib();
  const unlisted: string[] = [];
  for (const file of await invokingFiles()) {
    const where = relative(ROOT, file);
    if (where === "scripts/packages_test.ts") continue; // its fixtures name made-up programs
    const source = await Deno.readTextFile(file);
    const python = file.endsWith(".py") ? [source] : stringLiterals(source);
    for (const module of python.flatMap(pythonImports)) {
      if (!stdlib.has(module) && !listedModules.has(module)) {
        unlisted.push(`${where}: Python module ${module}`);
      }
    }
    if (file.endsWith(".ts")) {
      for (const program of spawnedPrograms(source)) {
        if (listedPrograms.has(program) || NOT_PACKAGES.has(program)) continue;
        if (await fromEssentialPackage(program)) continue;
        unlisted.push(`${where}: program ${program}`);
      }
    }
  }
  assert.deepEqual(unlisted, [], "add the packages that provide these to packages.txt");
});

Deno.test("the scanners find Python imports and spawned programs, and skip comments", () => {
  const ts = [
    '// new Deno.Command("commented-out")',
    'const code = "import sys, numpy as np, xgboost as xgb\\nfrom sklearn.base import X";',
    'await new Deno.Command("wrk", { args });',
    'const PY = "/usr/bin/python3";',
    'import { x } from "./y.ts";',
  ].join("\n");
  assert.deepEqual(stringLiterals(ts).flatMap(pythonImports).sort(), [
    "numpy",
    "sklearn",
    "sys",
    "xgboost",
  ]);
  assert.deepEqual(spawnedPrograms(ts).sort(), ["python3", "wrk"]);
});

Deno.test("the package list parses, names each package once, and .ci/run reads it", async () => {
  const list = await readPackageList();
  const names = list.map((p) => p.name);
  assert.equal(new Set(names).size, names.length);
  assert.ok(names.includes("python3-sklearn"));
  const ci = await Deno.readTextFile(join(ROOT, ".ci/run"));
  assert.match(ci, /packages\.txt/);
  assert.doesNotMatch(
    ci,
    /python3-xgboost|jupyter-nbconvert/,
    ".ci/run must not list packages itself",
  );
  const readme = await Deno.readTextFile(join(ROOT, "README.md"));
  assert.match(readme, /packages\.txt/);
  assert.throws(
    () => parsePackageList("wrk bin:wrk benchmarks"),
    /line 1 needs three tab-separated columns/,
  );
  assert.throws(() => parsePackageList("wrk\tbinary:wrk\tx"), /line 1 has check 'binary:wrk'/);
  assert.deepEqual(parsePackageList("python3-locust\tpy:locust bin:locust\tx")[0].checks, [
    { kind: "py", modules: ["locust"] },
    { kind: "bin", program: "locust" },
  ]);
});

Deno.test("skipWithout refuses a package that is not on the list", async () => {
  await assert.rejects(() => skipWithout("surely-not-a-listed-package"), /add it to packages\.txt/);
});

Deno.test("the runner's last line names what was missing and how to install it", () => {
  assert.equal(summaryLine({ passed: 5, failed: 1, skipped: 0 }, []), "5 passed, 1 failed");
  assert.equal(
    summaryLine({ passed: 5, failed: 0, skipped: 2 }, ["python3-sklearn"]),
    `5 passed, 0 failed, 2 skipped (not installed: python3-sklearn; ${
      installCommand(["python3-sklearn"])
    })`,
  );
});
