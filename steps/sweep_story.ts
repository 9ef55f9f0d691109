/**
 * The policy lab's story, written from a sweep report: what was swept, what each pattern asks
 * for, where the original's 40/50/70 % rule of thumb lands against the Pareto front, and which
 * configuration the sweep chose and why — every number and every verdict from the report, so the
 * markdown cannot contradict the charts printed beside it.
 *
 * @module
 */
import { type Markdown, markdown } from "./story.ts";
import type { SweepReport } from "./sweep_report.ts";

function n(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}
const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
const usd = (x: number) => `$${x.toFixed(2)}`;

/**
 * The sweep in words: per pattern its size, its front and the rule of thumb's three points; then
 * the choice over all patterns with its scores.
 *
 * @example Usage
 * ```ts
 * import { sweepStory } from "./sweep_story.ts";
 * import { sweep } from "./sweep.ts";
 * import assert from "node:assert/strict";
 * const profile = JSON.parse(await Deno.readTextFile("tests/fixtures/capacity_profile.json"));
 * const report = await sweep({ profile, patterns: ["spike"] });
 * const text = sweepStory(report).text;
 * assert.ok(text.includes(`The sweep chose **${report.chosen.label}**`));
 * assert.match(text, /rule of thumb/);
 * ```
 */
export function sweepStory(report: SweepReport): Markdown {
  const P = report.patterns.length;
  const s = report.settings;
  const lines = [
    `Swept **${report.candidates.length} candidates** on **${P} pattern${
      P === 1 ? "" : "s"
    }** for one ${report.profile.instanceType} (${report.profile.measuredOn}): latency SLO p99 ${
      n(s.sloP99Ms)
    } ms, $${s.pricePerHour} per instance-hour, capacity planned from the patterns' peak and low ` +
    `at MinCapacity ${s.plan.minCapacity} and MaxCapacity ${s.plan.maxCapacity} (upper limit ${
      n(s.plan.upperLimit)
    } invocations per instance per minute).`,
    "",
  ];
  for (const [p, pattern] of report.patterns.entries()) {
    const front = report.pareto[p];
    const best = report.results[front.chosen * P + p];
    const rules = front.rules.map((r) =>
      `${r.rule} % costs ${usd(r.cost)} at ${pct(r.availability)} (${
        r.onFront ? "on the front" : "dominated"
      })`
    );
    // A replayed pattern's description starts with its name; say it once.
    const description = pattern.description.startsWith(`${pattern.name}: `)
      ? pattern.description.slice(pattern.name.length + 2)
      : pattern.description;
    lines.push(
      `- **${pattern.name}** — ${description}: ${n(pattern.totalInvocations)} invocations, ` +
        `peak ${
          n(pattern.peakPerMinute)
        } per minute. ${front.front.length} of ${report.candidates.length} ` +
        `candidates are on its Pareto front; on this pattern alone the objective picks ` +
        `**${best.label}** (${usd(best.cost)}, ${pct(best.availability)}).` +
        (rules.length === 0 ? "" : ` The rule of thumb: ${rules.join("; ")}.`),
    );
  }
  const chosen = report.chosen;
  lines.push(
    "",
    `The sweep chose **${chosen.label}** over all patterns: ${chosen.reason}.`,
    "",
    "| pattern | cost | availability | p99 ms | to capacity s | peak instances | mean instances |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ...chosen.scores.map((r) =>
      `| ${r.pattern} | ${usd(r.cost)} | ${pct(r.availability)} | ${
        n(r.p99Ms)
      } | ${r.timeToCapacitySeconds} | ${r.peakInstances} | ${r.meanInstances.toFixed(2)} |`
    ),
  );
  return markdown(lines.join("\n"));
}
