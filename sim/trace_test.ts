// Proves trace replay: a replayed trace's total equals the file's (per-second and per-minute
// rows, epoch and ISO timestamps, gaps counted as zero minutes), and every bad row is refused with
// its line number in the file (the header is line 1).
import assert from "node:assert/strict";
import { parseTrace, TraceError } from "./trace.ts";

Deno.test("a replayed trace's total equals the file's, per second or per minute", () => {
  const start = Date.UTC(2024, 2, 1, 12, 0) / 1000;
  let csv = "timestamp,invocations\n";
  let total = 0;
  for (let s = 0; s < 600; s += 7) {
    const n = (s * 31) % 97;
    csv += `${start + s},${n}\n`;
    total += n;
  }
  const perSecond = parseTrace(csv);
  assert.equal(perSecond.total, total);
  assert.equal(perSecond.minutes.reduce((sum, m) => sum + m.invocations, 0), total);
  assert.equal(perSecond.minutes.length, 10);
  assert.equal(perSecond.resolution, "second");
  const perMinute = parseTrace(
    "Timestamp,Invocations\r\n2024-03-01T12:00:00Z,100\r\n2024-03-01T12:03:00+00:00,50\r\n\r\n",
  );
  assert.deepEqual(perMinute.minutes.map((m) => m.invocations), [100, 0, 0, 50]);
  assert.equal(perMinute.total, 150);
  assert.equal(perMinute.peakPerMinute, 100);
  assert.equal(perMinute.resolution, "minute");
  assert.equal(perMinute.minutes[0].minute, Date.UTC(2024, 2, 1, 12, 0));
});

Deno.test("a bad row names its line in the file", () => {
  const cases: [string, number, RegExp][] = [
    ["time,count\n", 1, /header must be "timestamp,invocations"/],
    ["timestamp,invocations\n", 2, /no rows/],
    ["timestamp,invocations\n1704067200,5\n\n1704067260,x\n", 4, /"x" is not a number/],
    ["timestamp,invocations\n1704067200,-3\n", 2, /"-3" is not a number/],
    ["timestamp,invocations\n2024-01-01 10:00,5\n", 2, /not a timestamp.*with a zone/],
    ["timestamp,invocations\n1704067200,5,6\n", 2, /expected "timestamp,invocations"/],
    ["timestamp,invocations\n1704067260,1\n1704067200,1\n", 3, /back in time from line 2/],
    [
      "timestamp,invocations\n0,1\n\n1704067200,1\n",
      4,
      /19723 days after line 2; .* at most 366 days/,
    ],
  ];
  for (const [csv, line, message] of cases) {
    assert.throws(() => parseTrace(csv), (e: unknown) => {
      assert.ok(e instanceof TraceError);
      assert.equal(e.line, line, csv);
      assert.match(e.message, new RegExp(`^line ${line}: `));
      assert.match(e.message, message);
      return true;
    });
  }
});

Deno.test("a trace that spans a year replays (more minutes than a call takes arguments)", () => {
  const trace = parseTrace(
    "timestamp,invocations\n2024-01-01T00:00:00Z,1\n2024-12-31T00:00:00Z,2\n",
  );
  assert.equal(trace.minutes.length, 365 * 24 * 60 + 1);
  assert.equal(trace.peakPerMinute, 2);
  assert.equal(trace.total, 3);
});
