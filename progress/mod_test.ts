// Proves the progress module's promises: one line per phase (and per interval while a phase
// lasts) when stderr is not a terminal, one redrawn line on a terminal with notes kept above it,
// one display per long step in the notebook (display_data, then update_display_data with the same
// id), and silence when quiet.
import assert from "node:assert/strict";
import {
  benchmarkProgress,
  formatProgress,
  linesRenderer,
  notebookRenderer,
  progressBundle,
  progressRenderer,
  terminalRenderer,
} from "./mod.ts";

Deno.test("linesRenderer() prints a new phase at once and repeats a phase only after the interval", () => {
  let out = "";
  let t = 0;
  const r = linesRenderer({ write: (s) => out += s, now: () => t, lineIntervalMs: 5000 });
  for (let i = 0; i < 20; i++) r.show({ step: "recommend", phase: "benchmark", users: i });
  r.show({ step: "recommend", phase: "benchmark stopped" });
  t = 5000;
  r.show({ step: "recommend", phase: "benchmark stopped", elapsedMs: 1000 });
  assert.deepEqual(out.trimEnd().split("\n"), [
    "recommend: benchmark | 0 users",
    "recommend: benchmark stopped",
    "recommend: benchmark stopped | 0:01 elapsed",
  ]);
});

Deno.test("terminalRenderer() redraws one line and ends it with a newline", () => {
  let out = "";
  const r = terminalRenderer({ write: (s) => out += s, columns: 30 });
  r.show({ step: "evaluate", phase: "PENDING" });
  r.show({ step: "evaluate", phase: "IN_PROGRESS", users: 12, throughput: 1234.4 });
  r.end();
  assert.equal(out.split("\n").length, 2, "one line in all");
  assert.ok(out.endsWith("evaluate: IN_PROGRESS | 12 us\n"), JSON.stringify(out));
});

Deno.test("notebookRenderer() updates one display per long step, by display id", () => {
  const sent: { type: string; content: Record<string, unknown> }[] = [];
  const r = notebookRenderer({ broadcast: (type, content) => void sent.push({ type, content }) });
  r.show({ step: "evaluate", phase: "PENDING", elapsedMs: 0, remainingMs: 60_000 });
  r.note("evaluate", "started");
  r.show({ step: "evaluate", phase: "IN_PROGRESS", elapsedMs: 30_000, remainingMs: 30_000 });
  r.end();
  r.show({ step: "scale", phase: "Creating" });
  r.note("evaluate", "started");
  assert.deepEqual(sent.map((m) => m.type), [
    "display_data",
    "update_display_data",
    "update_display_data",
    "display_data",
    "display_data",
  ]);
  const id = (i: number) => (sent[i].content.transient as { display_id: string }).display_id;
  assert.equal(id(0), id(2));
  assert.notEqual(id(0), id(3), "a new display after end()");
  assert.notEqual(id(3), id(4), "a new display for another step");
  const first = sent[4].content.data as Record<string, string>;
  assert.equal(first["text/plain"], "evaluate: started", "a first note is the phase, not repeated");
  const data = sent[2].content.data as Record<string, string>;
  assert.match(data["text/html"], /<progress value="50" max="100">/);
  assert.match(data["text/plain"], /IN_PROGRESS \[#+-+\] 50 %/);
  assert.match(data["text/plain"], /evaluate: started/, "the latest note stays visible");
});

Deno.test("progressRenderer('quiet') writes nothing", () => {
  const r = progressRenderer("quiet");
  r.show({ step: "x", phase: "y" });
  r.note("x", "z");
  r.end();
});

Deno.test("formatProgress() and progressBundle() escape nothing into the text and HTML-escape the HTML", () => {
  const state = { step: "s", phase: "<b>", users: 1 };
  assert.equal(formatProgress(state), "s: <b> | 1 users");
  assert.match(progressBundle(state)["text/html"], /&lt;b&gt;/);
});

Deno.test("benchmarkProgress() reads users, throughput and elapsed time from both load-generator lines", () => {
  const level = benchmarkProgress(
    "level   24 users | 1,211 ok/s | p50 17.63 ms | p95 37.54 ms | errors 0 | CPU 72.3 %",
  );
  assert.equal(level.users, 24);
  assert.equal(level.throughput, 1211);
  const timed = benchmarkProgress("users 4 | 784 req/s | p95 14.53 ms | errors 0 | 10 s", {
    mostSeconds: 61,
  });
  assert.equal(timed.remainingMs, 51_000);
  assert.match(
    formatProgress(timed),
    /\[###-+\] 16 % \| 4 users \| 784 req\/s .*0:10 elapsed \| 0:51 left$/,
  );
  const stop = "stopped: FlatInvocations: Throughput did not grow by more than 5 % over 3 " +
    "levels: 938, 487 and 553 req/s (up to 64 users) against a best of 1,149.5 req/s at 24 users";
  assert.deepEqual(benchmarkProgress(stop), { step: "recommend", phase: stop });
});
