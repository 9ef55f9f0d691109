/**
 * Checks the layout rules of `../shared/spec/layout.md` ("Rules that keep it") on every `.ts`
 * file of the repository, in the manner of denoland/std's `_tools/` checks:
 *
 * - forbidden imports: `steps/` → `cloud/local/` (tests beside the steps aside); `sim/` → `cloud/`, `steps/`, `model/`,
 *   `charts/`; a service folder of `cloud/local/` into another service other than through its
 *   `mod.ts`; `cloud/local/kernel/` into any service folder (type-only imports count);
 * - test support in production: a file that is not a test (`*_test.ts`, `tests/`, `testdata/`,
 *   `fixtures/`) nor a benchmark (`bench/`) imports a test file, or uses a name kept for tests
 *   ({@linkcode TEST_SUPPORT_NAMES}: the store's raw SQL read) outside the file that defines it;
 * - I/O where there must be none: `Deno.*` or a `node:` module in `sim/` (tests aside) and
 *   `Deno.*` in `charts/` outside `charts/render.ts` (tests aside);
 * - import cycles between files, type-only and dynamic `import("…")` edges included;
 * - exported functions (declarations and `const` arrow/function expressions) with more than two
 *   required positional parameters: take `(required1, required2, options)` instead (a last
 *   parameter named `options` is the options object and does not count, as in std's lint plugin).
 *
 * Rules about folders that do not exist simply find nothing.
 *
 * Usage: `deno run --allow-read --allow-env scripts/check_layout.ts [ROOT]`; `deno task check`
 * runs it with only `--allow-read=.` and the environment variables the TypeScript parser reads
 * (`TSC_*`, `NODE_*`, `VSCODE_INSPECTOR_OPTIONS`). Prints one line per violation,
 * `file:line: rule: what to do`, and exits 1 when there is any.
 *
 * @module
 */

import ts from "typescript";

/** One broken rule, where it is and what to do about it. */
export interface Violation {
  /** Path of the offending file relative to the root, with `/` separators. */
  file: string;
  /** 1-based line of the offending import, use or declaration. */
  line: number;
  /** Short name of the rule, e.g. `steps-no-local` or `import-cycle`. */
  rule: string;
  /** What is wrong and what to do. */
  message: string;
}

/** Options for {@linkcode checkLayout}. */
export interface CheckLayoutOptions {
  /**
   * Folders (relative to the root, `/` separators) whose files are not checked. Folders whose
   * name starts with `.` are always skipped.
   *
   * @default {["node_modules", "out", ".sagemaker-local"]}
   */
  exclude?: string[];
}

/** The AWS service folders of the local backend, each directly under `cloud/local/`. */
export const SERVICE_FOLDERS: readonly string[] = [
  "s3",
  "sagemaker",
  "recommender",
  "cloudwatch",
  "autoscaling",
];

/**
 * Names only tests and test support may use, each with the one production file that defines it:
 * the store's raw SQL read (tests reach it through `cloud/local/testdata/store_query.ts`).
 */
export const TEST_SUPPORT_NAMES: Readonly<Record<string, string>> = {
  "RAW_SQL_READ": "cloud/local/kernel/store/mod.ts",
};

const DEFAULT_EXCLUDE = ["node_modules", "out", ".sagemaker-local"];

/** An import of one file by another, resolved to a root-relative path. */
interface ImportEdge {
  /** Root-relative path of the imported file (may lie outside the set of checked files). */
  target: string;
  /** The specifier as written. */
  specifier: string;
  line: number;
}

/** What one file shows the checks. */
interface FileFacts {
  path: string;
  imports: ImportEdge[];
  /** Lines where `Deno` is used. */
  denoLines: number[];
  /** Imports of `node:` built-in modules. */
  nodeImports: ImportEdge[];
  /** Uses of {@linkcode TEST_SUPPORT_NAMES}: the name and its first line. */
  testSupportNames: { name: string; line: number }[];
  /** Exported functions with more than two required positional parameters. */
  wideFunctions: { name: string; line: number; required: number }[];
}

/**
 * Checks the layout rules on every `.ts` file under `root` and returns the violations, sorted by
 * file and line (an empty array when the layout is clean).
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkLayout } from "./check_layout.ts";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/steps`);
 * await Deno.mkdir(`${root}/cloud/local`, { recursive: true });
 * await Deno.writeTextFile(`${root}/cloud/local/mod.ts`, "export const x = 1;\n");
 * await Deno.writeTextFile(`${root}/steps/a.ts`, 'import { x } from "../cloud/local/mod.ts";\n');
 * const violations = await checkLayout(root);
 * assert.deepEqual(violations.map((v) => `${v.file}:${v.line} ${v.rule}`), [
 *   "steps/a.ts:1 steps-no-local",
 * ]);
 * await Deno.remove(root, { recursive: true });
 * ```
 *
 * @param root The repository folder to check.
 * @param options Which folders to skip.
 * @returns The violations found.
 */
export async function checkLayout(
  root: string,
  options: CheckLayoutOptions = {},
): Promise<Violation[]> {
  const exclude = options.exclude ?? DEFAULT_EXCLUDE;
  const importMap = await readImportMap(root);
  const paths = await listTsFiles(root, exclude);
  const facts: FileFacts[] = [];
  for (const path of paths) {
    const source = await Deno.readTextFile(`${root}/${path}`);
    facts.push(scanFile(path, source, importMap));
  }
  const violations = [
    ...facts.flatMap(forbiddenImports),
    ...facts.flatMap(forbiddenIo),
    ...facts.flatMap(wideFunctionViolations),
    ...importCycles(facts),
  ];
  return violations.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || (a.rule < b.rule ? -1 : 1)
  );
}

/**
 * Formats a violation as one line: `file:line: rule: message`.
 *
 * @example Usage
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatViolation } from "./check_layout.ts";
 *
 * assert.equal(
 *   formatViolation({ file: "steps/a.ts", line: 3, rule: "import-cycle", message: "…" }),
 *   "steps/a.ts:3: import-cycle: …",
 * );
 * ```
 *
 * @param violation The violation to format.
 * @returns The one-line form.
 */
export function formatViolation(violation: Violation): string {
  return `${violation.file}:${violation.line}: ${violation.rule}: ${violation.message}`;
}

// ---- reading the tree -------------------------------------------------------------------------

async function listTsFiles(root: string, exclude: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const dir = rel === "" ? root : `${root}/${rel}`;
    const entries: Deno.DirEntry[] = [];
    for await (const entry of Deno.readDir(dir)) entries.push(entry);
    for (const entry of entries) {
      const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory) {
        if (entry.name.startsWith(".") || exclude.includes(path)) continue;
        await walk(path);
      } else if (entry.isFile && entry.name.endsWith(".ts")) {
        out.push(path);
      }
    }
  };
  await walk("");
  return out.sort();
}

/** The import map entries of `root/deno.json` that point into the repository. */
async function readImportMap(root: string): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  let text: string;
  try {
    text = await Deno.readTextFile(`${root}/deno.json`);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return map;
    throw err;
  }
  const imports = (JSON.parse(text) as { imports?: Record<string, string> }).imports ?? {};
  for (const [key, value] of Object.entries(imports)) {
    if (value.startsWith("./") || value.startsWith("../")) map.set(key, value);
  }
  return map;
}

/** Normalises `a/b/../c/./d` to `a/c/d`; `null` when the path leaves the root. */
function normalise(path: string): string | null {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else {
      parts.push(part);
    }
  }
  return parts.join("/");
}

/** Resolves a specifier written in `from` to a root-relative path, or `null` for packages. */
function resolveSpecifier(
  from: string,
  specifier: string,
  importMap: Map<string, string>,
): string | null {
  if (specifier.startsWith("./") || specifier.startsWith("../")) {
    const dir = from.includes("/") ? from.slice(0, from.lastIndexOf("/")) : "";
    return normalise(`${dir}/${specifier}`);
  }
  const exact = importMap.get(specifier);
  if (exact !== undefined) return normalise(exact);
  for (const [key, value] of importMap) {
    if (key.endsWith("/") && specifier.startsWith(key)) {
      return normalise(value + specifier.slice(key.length));
    }
  }
  return null;
}

/** The string of a module specifier node, when it is a literal. */
function literalText(node: ts.Node | undefined): string | undefined {
  if (node === undefined) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) return node.text;
  return undefined;
}

/** Reads the imports, `Deno` uses and wide exported functions of one file. */
function scanFile(path: string, source: string, importMap: Map<string, string>): FileFacts {
  const sf = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const facts: FileFacts = {
    path,
    imports: [],
    denoLines: [],
    nodeImports: [],
    testSupportNames: [],
    wideFunctions: [],
  };
  const addImport = (node: ts.Node, specifier: string | undefined) => {
    if (specifier === undefined) return;
    const line = lineOf(node);
    if (specifier.startsWith("node:")) facts.nodeImports.push({ target: "", specifier, line });
    const target = resolveSpecifier(path, specifier, importMap);
    if (target !== null) facts.imports.push({ target, specifier, line });
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      addImport(node, literalText(node.moduleSpecifier));
    } else if (
      ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)
    ) {
      addImport(node, literalText(node.moduleReference.expression));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      addImport(node, literalText(node.arguments[0]));
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      addImport(node, literalText(node.argument.literal));
    } else if (ts.isIdentifier(node) && node.text === "Deno") {
      facts.denoLines.push(lineOf(node));
    } else if (
      ts.isIdentifier(node) && Object.hasOwn(TEST_SUPPORT_NAMES, node.text) &&
      !facts.testSupportNames.some((use) => use.name === node.text)
    ) {
      facts.testSupportNames.push({ name: node.text, line: lineOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  facts.wideFunctions = wideExportedFunctions(sf, lineOf);
  return facts;
}

// ---- exported function shape ------------------------------------------------------------------

type SignatureNode = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

function hasExportModifier(node: ts.Node): boolean {
  const mods = ts.canHaveModifiers(node) ? ts.getModifiers(node) : undefined;
  return mods?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
}

/**
 * Required positional parameters: no `?`, no default, not a rest parameter, not `this`, and not
 * a last parameter named `options` (the options object; std's lint plugin allows it as the third
 * of three, and so do we, even when some of its fields are required).
 */
function requiredCount(fn: SignatureNode): number {
  const params = fn.parameters.filter((p) => !(ts.isIdentifier(p.name) && p.name.text === "this"));
  const last = params.at(-1);
  const counted = last !== undefined && ts.isIdentifier(last.name) && last.name.text === "options"
    ? params.slice(0, -1)
    : params;
  return counted.filter((p) =>
    p.questionToken === undefined && p.initializer === undefined && p.dotDotDotToken === undefined
  ).length;
}

function functionInitializer(decl: ts.VariableDeclaration): SignatureNode | undefined {
  let init = decl.initializer;
  while (init !== undefined && (ts.isParenthesizedExpression(init) || ts.isAsExpression(init))) {
    init = init.expression;
  }
  if (init !== undefined && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
    return init;
  }
  return undefined;
}

/**
 * Exported function declarations and exported `const` functions (directly, or through a local
 * `export { name }`) that take more than two required positional parameters.
 */
function wideExportedFunctions(
  sf: ts.SourceFile,
  lineOf: (node: ts.Node) => number,
): FileFacts["wideFunctions"] {
  const local = new Map<string, { fn: SignatureNode; at: ts.Node }[]>();
  const exported: { name: string; fn: SignatureNode; at: ts.Node }[] = [];
  const laterExported = new Set<string>();
  for (const stmt of sf.statements) {
    if (ts.isFunctionDeclaration(stmt)) {
      const name = stmt.name?.text ?? "default";
      const at = stmt.name ?? stmt;
      if (hasExportModifier(stmt)) exported.push({ name, fn: stmt, at });
      else local.set(name, [...(local.get(name) ?? []), { fn: stmt, at }]);
    } else if (ts.isVariableStatement(stmt)) {
      for (const decl of stmt.declarationList.declarations) {
        const fn = functionInitializer(decl);
        if (fn === undefined || !ts.isIdentifier(decl.name)) continue;
        const entry = { fn, at: decl.name };
        if (hasExportModifier(stmt)) exported.push({ name: decl.name.text, ...entry });
        else local.set(decl.name.text, [entry]);
      }
    } else if (
      ts.isExportDeclaration(stmt) && stmt.moduleSpecifier === undefined &&
      stmt.exportClause !== undefined && ts.isNamedExports(stmt.exportClause) && !stmt.isTypeOnly
    ) {
      for (const el of stmt.exportClause.elements) {
        laterExported.add((el.propertyName ?? el.name).text);
      }
    } else if (ts.isExportAssignment(stmt) && ts.isIdentifier(stmt.expression)) {
      laterExported.add(stmt.expression.text);
    }
  }
  for (const name of laterExported) {
    for (const entry of local.get(name) ?? []) exported.push({ name, ...entry });
  }
  const wide: FileFacts["wideFunctions"] = [];
  const seen = new Set<string>();
  for (const { name, fn, at } of exported) {
    const required = requiredCount(fn);
    if (required <= 2 || seen.has(name)) continue;
    seen.add(name); // overloads: one report per name
    wide.push({ name, line: lineOf(at), required });
  }
  return wide;
}

function wideFunctionViolations(facts: FileFacts): Violation[] {
  return facts.wideFunctions.map(({ name, line, required }) => ({
    file: facts.path,
    line,
    rule: "function-shape",
    message:
      `exported function ${name}() takes ${required} required positional parameters; take at most two, then one parameter named options (an options object, with documented @defaults)`,
  }));
}

// ---- forbidden imports and I/O ----------------------------------------------------------------

function isTestFile(path: string): boolean {
  return path.endsWith("_test.ts") || path.startsWith("tests/") ||
    /(^|\/)(testdata|fixtures)\//.test(path);
}

/** Tests, and the benchmarks, which drive the same harnesses as the tests. */
function mayUseTestSupport(path: string): boolean {
  return isTestFile(path) || under(path, "bench");
}

function under(path: string, folder: string): boolean {
  return path === folder || path.startsWith(`${folder}/`);
}

/** The service folder of `cloud/local/` that holds `path`, if any. */
function serviceOf(path: string): string | undefined {
  const m = /^cloud\/local\/([^/]+)\//.exec(path);
  return m !== null && SERVICE_FOLDERS.includes(m[1]) ? m[1] : undefined;
}

function forbiddenImports(facts: FileFacts): Violation[] {
  const out: Violation[] = [];
  const { path } = facts;
  const report = (edge: ImportEdge, rule: string, message: string) =>
    out.push({ file: path, line: edge.line, rule, message });
  for (const edge of facts.imports) {
    const { target } = edge;
    // A test beside a step may open the local backend to run the step; the step itself may not.
    if (under(path, "steps") && !path.endsWith("_test.ts") && under(target, "cloud/local")) {
      report(
        edge,
        "steps-no-local",
        `steps/ imports ${target}; declare what the step needs on the seam (cloud/types.ts) so it works on AWS too`,
      );
    }
    if (under(path, "sim")) {
      const outside = ["cloud", "steps", "model", "charts"].find((f) => under(target, f));
      if (outside !== undefined) {
        report(
          edge,
          "sim-pure",
          `sim/ imports ${target}; sim/ imports nothing from ${outside}/ (type imports included): move the shared type into sim/ and import it from there`,
        );
      }
    }
    const from = serviceOf(path);
    const to = serviceOf(target);
    if (from !== undefined && to !== undefined && from !== to) {
      if (target !== `cloud/local/${to}/mod.ts`) {
        report(
          edge,
          "service-through-mod",
          `service ${from}/ imports ${target}; import another service only through cloud/local/${to}/mod.ts`,
        );
      }
    }
    if (!mayUseTestSupport(path) && isTestFile(target)) {
      report(
        edge,
        "test-support",
        `${path} imports test support ${target}; production code never depends on tests: move what both need out of the test files`,
      );
    }
    if (under(path, "cloud/local/kernel") && to !== undefined) {
      report(
        edge,
        "kernel-no-service",
        `kernel/ imports service ${to}/ (${target}); the kernel knows no AWS service: move the code into the service or pass it in`,
      );
    }
  }
  if (!mayUseTestSupport(path)) {
    for (const { name, line } of facts.testSupportNames) {
      if (TEST_SUPPORT_NAMES[name] === path) continue;
      out.push({
        file: path,
        line,
        rule: "test-support",
        message:
          `${path} uses ${name}, which only tests may use (through cloud/local/testdata/); use the public methods instead`,
      });
    }
  }
  return out;
}

function forbiddenIo(facts: FileFacts): Violation[] {
  const { path } = facts;
  if (isTestFile(path)) return [];
  const out: Violation[] = [];
  const denoUse = (rule: string, message: string) => {
    if (facts.denoLines.length === 0) return;
    const n = facts.denoLines.length;
    const count = n === 1 ? "" : ` (first of ${n} uses)`;
    out.push({ file: path, line: facts.denoLines[0], rule, message: message + count });
  };
  if (under(path, "sim")) {
    denoUse(
      "sim-pure",
      "sim/ uses Deno; sim/ does no I/O: take the data as a parameter and do the I/O in the caller",
    );
    for (const edge of facts.nodeImports) {
      out.push({
        file: path,
        line: edge.line,
        rule: "sim-pure",
        message:
          `sim/ imports ${edge.specifier}; sim/ does no I/O and must load in a browser: do it in the caller`,
      });
    }
  }
  if (under(path, "charts") && path !== "charts/render.ts") {
    denoUse(
      "charts-no-io",
      "charts/ uses Deno outside charts/render.ts; build the spec here and read or write files in charts/render.ts",
    );
  }
  return out;
}

// ---- cycles -----------------------------------------------------------------------------------

/** Strongly connected components of the import graph (Tarjan), each with more than one file. */
function knots(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return out;
}

/** The shortest cycle from `start` back to itself inside `members` (breadth-first). */
function shortestCycle(graph: Map<string, string[]>, start: string, members: Set<string>) {
  const prev = new Map<string, string>();
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(prev.get(path[0])!);
        return [...path, start];
      }
      if (seen.has(w)) continue;
      seen.add(w);
      prev.set(w, v);
      queue.push(w);
    }
  }
  return [start, start];
}

function importCycles(facts: FileFacts[]): Violation[] {
  const files = new Set(facts.map((f) => f.path));
  const graph = new Map<string, string[]>();
  const lineOfEdge = new Map<string, number>();
  for (const f of facts) {
    const targets: string[] = [];
    for (const edge of f.imports) {
      if (!files.has(edge.target)) continue;
      if (!targets.includes(edge.target)) targets.push(edge.target);
      const key = `${f.path}\0${edge.target}`;
      if (!lineOfEdge.has(key)) lineOfEdge.set(key, edge.line);
    }
    graph.set(f.path, targets);
  }
  return knots(graph).map((component) => {
    const cycle = shortestCycle(graph, component[0], new Set(component));
    const more = component.length > cycle.length - 1
      ? `; ${component.length} files are tangled: ${component.join(", ")}`
      : "";
    return {
      file: cycle[0],
      line: lineOfEdge.get(`${cycle[0]}\0${cycle[1]}`) ?? 1,
      rule: "import-cycle",
      message: `${
        cycle.join(" → ")
      }${more}; move what both sides need into a file of its own (type-only imports count)`,
    };
  });
}

// ---- main -------------------------------------------------------------------------------------

if (import.meta.main) {
  const root = Deno.args[0] ?? new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const violations = await checkLayout(root);
  for (const v of violations) console.log(formatViolation(v));
  if (violations.length > 0) {
    console.error(
      `check_layout: ${violations.length} violation(s) of the rules in layout.md; fix each line above`,
    );
    Deno.exit(1);
  }
  console.error("check_layout: layout rules hold");
}
