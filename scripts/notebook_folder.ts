/**
 * `deno task notebook:folder DIR`: lets notebooks in any folder import the toolkit.
 *
 * The toolkit's modules import their npm dependencies by bare name (`"vega-lite"`,
 * `"@aws-sdk/client-sagemaker"`...), which only the repository's `deno.json` maps; a notebook
 * elsewhere that imports `file:///…/mod.ts` fails on the first of them. This writes (or updates)
 * `DIR/deno.json` with an import map that carries those dependencies, pinned as in the
 * repository, plus the toolkit itself under one name:
 *
 * ```ts ignore
 * import { openCloud, planCapacity, showCharts } from "sagemaker-scaling-lab";
 * import { analysisInvocationsChart } from "sagemaker-scaling-lab/charts/mod.ts";
 * ```
 *
 * Other keys of an existing `DIR/deno.json` stay as they are; imports of the same names are
 * replaced. Run it again after moving the repository.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The name notebooks import the toolkit by. */
export const TOOLKIT_IMPORT = "sagemaker-scaling-lab";

/** The folder holding this repository's `deno.json`. */
const REPO_ROOT = new URL("../", import.meta.url);

/**
 * The `deno.json` for a notebook folder: `existing` with its `imports` extended by the
 * repository's (its npm dependencies) and the toolkit's own name, pointing at the repository.
 *
 * @param existing The folder's current `deno.json` (`{}` when there is none).
 * @param repository The repository's `deno.json` imports and its folder as a `file:` URL ending
 * in `/`.
 * @returns The new `deno.json` object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { folderConfig } from "./notebook_folder.ts";
 *
 * const config = folderConfig(
 *   { tasks: { a: "b" }, imports: { mine: "npm:mine@1.0.0" } },
 *   { imports: { vega: "npm:vega@5.33.1" }, url: "file:///src/lab/" },
 * );
 * assert.deepEqual(config, {
 *   tasks: { a: "b" },
 *   imports: {
 *     mine: "npm:mine@1.0.0",
 *     vega: "npm:vega@5.33.1",
 *     "sagemaker-scaling-lab": "file:///src/lab/mod.ts",
 *     "sagemaker-scaling-lab/": "file:///src/lab/",
 *   },
 * });
 * ```
 */
export function folderConfig(
  existing: Record<string, unknown>,
  repository: { imports: Record<string, string>; url: string },
): Record<string, unknown> {
  const { imports: repoImports, url: repoUrl } = repository;
  if (!repoUrl.endsWith("/")) {
    throw new TypeError(`Cannot map the toolkit: "${repoUrl}" must end with "/"`);
  }
  const imports = (existing.imports ?? {}) as Record<string, string>;
  return {
    ...existing,
    imports: {
      ...imports,
      ...repoImports,
      [TOOLKIT_IMPORT]: `${repoUrl}mod.ts`,
      [`${TOOLKIT_IMPORT}/`]: repoUrl,
    },
  };
}

/**
 * Writes `dir/deno.json` so that notebooks in `dir` import the toolkit (see the module doc).
 *
 * @param dir The notebook folder (created when missing).
 * @returns The path written.
 * @throws {SyntaxError} When an existing `deno.json` is not plain JSON (comments included).
 */
export async function prepareNotebookFolder(dir: string): Promise<string> {
  const repoConfig = JSON.parse(await Deno.readTextFile(new URL("deno.json", REPO_ROOT)));
  const path = join(dir, "deno.json");
  let existing: Record<string, unknown> = {};
  try {
    existing = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new SyntaxError(
        `Cannot update ${path}: ${(error as Error).message}: make it plain JSON, or add the ` +
          `imports by hand`,
      );
    }
  }
  const config = folderConfig(existing, { imports: repoConfig.imports ?? {}, url: REPO_ROOT.href });
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(config, null, 2) + "\n");
  return path;
}

if (import.meta.main) {
  const { positionals, values } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: { help: { type: "boolean" } },
  });
  if (values.help || positionals.length !== 1) {
    console.log(
      "Usage: deno task notebook:folder DIR\n" +
        `Writes DIR/deno.json so notebooks there can \`import ... from "${TOOLKIT_IMPORT}"\`.`,
    );
    Deno.exit(values.help ? 0 : 2);
  }
  // `deno task` runs in the repository; INIT_CWD is where it was typed.
  const base = Deno.env.get("INIT_CWD") ?? Deno.cwd();
  const dir = isAbsolute(positionals[0]) ? positionals[0] : resolve(base, positionals[0]);
  try {
    const path = await prepareNotebookFolder(dir);
    const toolkit = pathToFileURL(join(fileURLToPath(REPO_ROOT), "mod.ts")).href;
    console.log(`${path}: notebooks here can import from "${TOOLKIT_IMPORT}" (${toolkit})`);
  } catch (error) {
    console.error(`notebook:folder: ${(error as Error).message}`);
    Deno.exit(2);
  }
}
