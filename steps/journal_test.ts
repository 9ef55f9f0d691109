// Proves the journal's promises: what the records say is outstanding (intents without outcome,
// created and not deleted, policies gone with their target, a model package's ARN from its
// created record); two processes appending at once lose no line.
import assert from "node:assert/strict";
import { join } from "node:path";
import { type JournalRecord, outstandingResources } from "./journal.ts";

const scope = { runId: "r1", backend: "local" as const, region: "us-east-1" };
const at = (event: JournalRecord["event"], rest: Partial<JournalRecord>): JournalRecord => ({
  ...scope,
  kind: "model",
  name: "m",
  time: "2026-12-07T14:00:00.000Z",
  ...rest,
  event,
});

Deno.test("outstandingResources() keeps intents without outcome and created resources not deleted", () => {
  const left = outstandingResources([
    at("intent", { id: "1", kind: "model", name: "m" }),
    at("created", { id: "1", kind: "model", name: "m" }),
    at("intent", { id: "2", kind: "endpoint-config", name: "c" }),
    at("failed", { id: "2", kind: "endpoint-config", name: "c" }),
    at("intent", { id: "3", kind: "endpoint", name: "e" }),
    at("intent", { id: "4", kind: "alarm", name: "a" }),
    at("created", { id: "4", kind: "alarm", name: "a" }),
    at("deleted", { kind: "alarm", name: "a" }),
  ]);
  assert.deepEqual(left.map((r) => [r.kind, r.name, r.confirmed]), [
    ["model", "m", true],
    ["endpoint", "e", false],
  ]);
});

Deno.test("outstandingResources() drops policies and scheduled actions with their scalable target", () => {
  const resourceId = "endpoint/e/variant/AllTraffic";
  const left = outstandingResources([
    at("created", { id: "1", kind: "scalable-target", name: resourceId, resourceId }),
    at("created", { id: "2", kind: "scaling-policy", name: "p", resourceId }),
    at("created", { id: "3", kind: "scheduled-action", name: "s", resourceId }),
    at("created", {
      id: "4",
      kind: "scaling-policy",
      name: "p",
      resourceId: "endpoint/other/variant/v",
    }),
    at("deleted", { kind: "scalable-target", name: resourceId, resourceId }),
  ]);
  assert.deepEqual(left.map((r) => [r.kind, r.resourceId]), [[
    "scaling-policy",
    "endpoint/other/variant/v",
  ]]);
});

Deno.test("outstandingResources() gives a model package its ARN from the created record, keeping the intent's time", () => {
  const [pkg] = outstandingResources([
    at("intent", {
      id: "1",
      kind: "model-package",
      name: "g",
      group: "g",
      time: "2026-12-07T14:00:00.000Z",
    }),
    at("created", {
      id: "1",
      kind: "model-package",
      name: "arn:p",
      arn: "arn:p",
      group: "g",
      time: "2026-12-07T14:00:05.000Z",
    }),
  ]);
  assert.equal(pkg.name, "arn:p");
  assert.equal(pkg.since, "2026-12-07T14:00:00.000Z");
});

Deno.test("two processes appending to one journal lose no line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "journal-" });
  try {
    const path = join(dir, "journal.jsonl");
    const code = `
      import { appendJournalRecord } from ${
      JSON.stringify(new URL("./journal.ts", import.meta.url).href)
    };
      const who = Deno.args[0];
      for (let i = 0; i < 300; i++) {
        await appendJournalRecord(Deno.args[1], { event: "intent", kind: "model", name: who + "-" + i + "-" + "x".repeat(500),
          runId: who, backend: "local", region: "us-east-1", time: new Date().toISOString() });
      }`;
    const run = (who: string) =>
      new Deno.Command(Deno.execPath(), {
        args: ["eval", code, who, path],
        env: { DENO_NO_UPDATE_CHECK: "1" },
        stdout: "null",
        stderr: "inherit",
      }).output();
    const [a, b] = await Promise.all([run("a"), run("b")]);
    assert.ok(a.success && b.success);
    const lines = (await Deno.readTextFile(path)).split("\n").filter((l) => l !== "");
    assert.equal(lines.length, 600);
    const records = lines.map((l) => JSON.parse(l) as JournalRecord);
    for (const who of ["a", "b"]) {
      assert.equal(
        records.filter((r) => r.runId === who).length,
        300,
        `${who}'s records are whole`,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
