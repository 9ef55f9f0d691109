// Proves that the policy lab's story says what the sweep report holds: the choice and its reason,
// each pattern's front size and the objective's pick on it, every rule-of-thumb point with its
// cost, availability and place (on the front or dominated), and the chosen scores per pattern.
import assert from "node:assert/strict";
import { ORIGINAL_PROFILE } from "../sim/profiles/original.ts";
import { sweep } from "./sweep.ts";
import { sweepStory } from "./sweep_story.ts";

Deno.test("sweepStory states the report's choice, fronts and rule-of-thumb points", async () => {
  const report = await sweep({ profile: ORIGINAL_PROFILE, patterns: ["ramp", "spike"] });
  const text = sweepStory(report).text;
  assert.ok(
    text.includes(
      `The sweep chose **${report.chosen.label}** over all patterns: ${report.chosen.reason}.`,
    ),
  );
  for (const [p, pattern] of report.patterns.entries()) {
    const front = report.pareto[p];
    const line = text.split("\n").find((l) => l.startsWith(`- **${pattern.name}**`));
    assert.ok(line, `no line for ${pattern.name}`);
    assert.ok(line.includes(`${front.front.length} of ${report.candidates.length} candidates`));
    assert.ok(line.includes(`the objective picks **${report.candidates[front.chosen].label}**`));
    assert.equal(front.rules.length, 3);
    for (const r of front.rules) {
      const said = `${r.rule} % costs $${r.cost.toFixed(2)} at ${
        (r.availability * 100).toFixed(2)
      } % (${r.onFront ? "on the front" : "dominated"})`;
      assert.ok(line.includes(said), `${pattern.name}: "${said}" missing from ${line}`);
    }
  }
  const rows = text.split("\n").filter((l) => /^\| (ramp|spike) \|/.test(l));
  assert.deepEqual(
    rows.map((r) => r.split(" | ")[2]),
    report.chosen.scores.map((s) => `${(s.availability * 100).toFixed(2)} %`),
  );
});
