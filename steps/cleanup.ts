/**
 * Step `cleanup` (section 9 of the original, done completely): deletes everything the walkthrough
 * created — scheduled actions, scaling policies, alarms, the scalable target, the endpoint (and
 * waits until it is gone, so nothing keeps billing), endpoint config, model, model package and
 * group, S3 objects — from the `created[]` manifests the steps return (`--from`), or, with
 * `--orphans`, lists what any run left behind (from the journal and a tag scan) and with `--yes`
 * deletes it, and removes the work folders killed runs left in the temp dir. Idempotent: what is already gone counts as deleted; one failure does not stop the
 * rest (see `deletion.ts`).
 *
 * @module
 */
import { sweepStaleTempDirs } from "../machine/temp_dirs.ts";
import { InputError } from "./errors.ts";
import { JOURNAL_FILE, readJournal } from "./journal.ts";
import {
  cleanup,
  type CleanupOptions,
  collectCreated,
  DELETE_ORDER,
  deleteOrphans,
  validateManifest,
} from "./deletion.ts";
import { isNotFound } from "./not_found.ts";
import { findOrphans, type Orphan, renderOrphans } from "./orphans.ts";
import { runScript, type ScriptSpec, table } from "./script.ts";
import type { CleanupResult } from "./types.ts";

export {
  cleanup,
  type CleanupOptions,
  collectCreated,
  DELETE_ORDER,
  deleteOrphans,
  isNotFound,
  validateManifest,
};

/** How a cleanup reads for people. */
export function renderCleanup(r: CleanupResult): string {
  return table([
    ["Deleted", r.deleted.map((d) => `${d.kind} ${d.name}`).join("\n  ") || "nothing"],
    ["Already gone", r.alreadyGone.length],
    [
      "Kept",
      r.kept.map((k) => `${k.resource.kind} ${k.resource.name} (${k.why})`).join("\n  ") ||
      "nothing",
    ],
    [
      "Failed",
      r.failed.map((f) => `${f.resource.kind} ${f.resource.name}: ${f.error}`).join("\n  ") ||
      "nothing",
    ],
  ]);
}

/** What the `cleanup` script returns: a cleanup, or the orphans it found (and what it did). */
export type CleanupScriptResult = CleanupResult | { orphans: Orphan[] };

/** How the `cleanup` script's result reads for people. */
export function renderCleanupScript(r: CleanupScriptResult): string {
  if ("deleted" in r) return renderCleanup(r);
  return renderOrphans(r.orphans);
}

/** The `cleanup` script's flags. */
export const CLEANUP_SCRIPT: ScriptSpec = {
  name: "cleanup",
  summary:
    "delete what the steps created (--from their outputs), or find what any run left behind (--orphans)",
  flags: {
    orphans: {
      type: "boolean",
      description:
        "list every resource the journal (.sagemaker-lab/journal.jsonl) or a tag scan finds left behind",
    },
    yes: {
      type: "boolean",
      description:
        "with --orphans: delete them (dependency order), remove killed runs' work folders",
    },
  },
  examples: [
    "deno task cleanup --from prepared.json --from recommendation.json --from scaled.json --from evaluation.json",
    "deno task cleanup --orphans",
    "deno task cleanup --orphans --yes",
  ],
};

if (import.meta.main) {
  await runScript<CleanupScriptResult>(CLEANUP_SCRIPT, async (ctx) => {
    const orphans = ctx.flags.orphans === true;
    if (!orphans && ctx.fromFiles.length === 0) {
      throw new InputError(
        "Nothing to clean up: give --from FILE (a step's --json output) to delete what it created, or --orphans to list what any run left behind (--orphans --yes deletes it)",
      );
    }
    if (ctx.flags.yes === true && !orphans) {
      throw new InputError("Cannot use --yes without --orphans: --from files are deleted as given");
    }
    const cloud = await ctx.cloud();
    const journal = ctx.journal();
    const result = orphans
      ? await (async () => {
        const found = await findOrphans(cloud, {
          records: await readJournal(journal?.path ?? JOURNAL_FILE),
          scope: journal!.scope,
          journal,
        });
        if (ctx.flags.yes !== true) return { orphans: found };
        if (found.length > 0) console.error(renderOrphans(found));
        // The work folders a killed run left on this machine go too.
        for (const swept of await sweepStaleTempDirs()) {
          console.error(`cleanup: removed ${swept.path} (left by process ${swept.owner.pid})`);
        }
        return await deleteOrphans(cloud, found, { journal });
      })()
      : await cleanup(cloud, collectCreated(ctx.fromFiles), { journal });
    if ("failed" in result && result.failed.length > 0) {
      console.log(ctx.json ? JSON.stringify(result, null, 2) : renderCleanup(result));
      throw new Error(
        `${result.failed.length} resource(s) could not be deleted; run ${
          orphans ? "cleanup --orphans --yes" : "cleanup with the same --from files"
        } again`,
      );
    }
    return result;
  }, { render: renderCleanupScript });
}
