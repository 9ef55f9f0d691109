import assert from "node:assert/strict";
import {
  type AlarmState,
  breaches,
  evaluateAlarm,
  evaluateAlarmSeries,
  evaluationRange,
  stateReason,
  type TreatMissingData,
} from "./alarm_eval.ts";

/** "0 - X - X" → datapoints oldest first: 0 = not breaching (10), X = breaching (90), - = missing. */
function range(pattern: string) {
  return pattern.split(" ").map((c, i) => ({
    timestamp: Date.UTC(2026, 0, 1, 0, i),
    value: c === "-" ? undefined : c === "X" ? 90 : 10,
  }));
}

function run(pattern: string, m: number, treat: TreatMissingData, current: AlarmState = "OK") {
  return evaluateAlarm({
    datapoints: range(pattern),
    evaluationPeriods: 3,
    datapointsToAlarm: m,
    threshold: 50,
    comparisonOperator: "GreaterThanThreshold",
    treatMissingData: treat,
    currentState: current,
  }).state;
}

const RETAIN = "retain";
type Row = [string, ...(AlarmState | typeof RETAIN)[]];

function checkTable(m: number, rows: Row[]) {
  const treats: TreatMissingData[] = ["missing", "ignore", "breaching", "notBreaching"];
  for (const [pattern, ...expected] of rows) {
    treats.forEach((treat, i) => {
      if (expected[i] === RETAIN) {
        // "Retain current state": whatever it was stays.
        for (const current of ["OK", "ALARM", "INSUFFICIENT_DATA"] as const) {
          assert.equal(run(pattern, m, treat, current), current, `${pattern} ${treat} ${current}`);
        }
      } else {
        assert.equal(run(pattern, m, treat), expected[i], `${pattern} ${treat}`);
      }
    });
  }
}

Deno.test("evaluateAlarm reproduces CloudWatch's 3-of-3 missing-data table", () => {
  // CW-ALARM, first table (evaluation range 5, N = M = 3); columns MISSING, IGNORE, BREACHING,
  // NOT BREACHING.
  checkTable(3, [
    ["0 - X - X", "OK", "OK", "OK", "OK"],
    ["0 - - - -", "OK", "OK", "OK", "OK"],
    ["- - - - -", "INSUFFICIENT_DATA", RETAIN, "ALARM", "OK"],
    ["0 X X - X", "ALARM", "ALARM", "ALARM", "ALARM"],
    ["- - X - -", "ALARM", RETAIN, "ALARM", "OK"],
  ]);
});

Deno.test("evaluateAlarm reproduces CloudWatch's 2-of-3 missing-data table", () => {
  checkTable(2, [
    ["0 - X - X", "ALARM", "ALARM", "ALARM", "ALARM"],
    ["0 0 X 0 X", "ALARM", "ALARM", "ALARM", "ALARM"],
    ["0 - X - -", "OK", "OK", "ALARM", "OK"],
    ["- - - - 0", "OK", "OK", "ALARM", "OK"],
    ["- - - X -", "ALARM", RETAIN, "ALARM", "OK"],
  ]);
});

Deno.test("evaluateAlarm: no premature ALARM from a fresh breach; INSUFFICIENT_DATA until N points", () => {
  // CW-ALARM: "- - - - X" and "- - - X -" must not alarm when M = 3 (the next point may be 0).
  assert.equal(run("- - - - X", 3, "missing"), "INSUFFICIENT_DATA");
  assert.equal(run("- - - X -", 3, "missing"), "INSUFFICIENT_DATA");
  assert.equal(run("- - - X X", 3, "missing"), "INSUFFICIENT_DATA");
  assert.equal(run("- - X X X", 3, "missing"), "ALARM");
  // A 15-of-15 alarm stays INSUFFICIENT_DATA through 14 breaching points and alarms on the 15th.
  const low = (count: number) =>
    evaluateAlarm({
      datapoints: Array.from({ length: evaluationRange(15) }, (_, i) => ({
        timestamp: i * 60_000,
        value: i >= evaluationRange(15) - count ? 30 : undefined,
      })),
      evaluationPeriods: 15,
      datapointsToAlarm: 15,
      threshold: 63,
      comparisonOperator: "LessThanThreshold",
      currentState: "INSUFFICIENT_DATA",
    }).state;
  assert.equal(low(14), "INSUFFICIENT_DATA");
  assert.equal(low(15), "ALARM");
});

Deno.test("evaluateAlarm: with N real points in range, the most recent N decide", () => {
  const result = evaluateAlarm({
    datapoints: range("X X 0 X X"),
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    threshold: 50,
    comparisonOperator: "GreaterThanThreshold",
    currentState: "ALARM",
  });
  assert.equal(result.state, "OK");
  assert.deepEqual(result.evaluated.map((d) => d.value), [10, 90, 90]);
  assert.equal(result.breaching, 2);
});

Deno.test("breaches: each operator at, above and below the threshold", () => {
  const table: [string, boolean, boolean, boolean][] = [
    ["GreaterThanOrEqualToThreshold", false, true, true],
    ["GreaterThanThreshold", false, false, true],
    ["LessThanThreshold", true, false, false],
    ["LessThanOrEqualToThreshold", true, true, false],
  ];
  for (const [op, below, equal, above] of table) {
    const o = op as Parameters<typeof breaches>[1]["operator"];
    assert.deepEqual([
      breaches(9, { operator: o, threshold: 10 }),
      breaches(10, { operator: o, threshold: 10 }),
      breaches(11, { operator: o, threshold: 10 }),
    ], [
      below,
      equal,
      above,
    ], op);
  }
});

Deno.test("stateReason words an ALARM, an OK, missing data and filled points like CloudWatch", () => {
  const base = {
    evaluationPeriods: 3,
    datapointsToAlarm: 3,
    threshold: 70,
    comparisonOperator: "GreaterThanThreshold" as const,
    currentState: "INSUFFICIENT_DATA" as const,
  };
  const stamp = (min: number) => Date.UTC(2026, 4, 1, 10, min);
  const alarm = {
    ...base,
    datapoints: [140, 140, 210].map((v, i) => ({ timestamp: stamp(i), value: v })),
  };
  assert.equal(
    stateReason(alarm, evaluateAlarm(alarm)),
    "Threshold Crossed: 3 out of the last 3 datapoints [210.0 (01/05/26 10:02:00), 140.0 (01/05/26 10:01:00), 140.0 (01/05/26 10:00:00)] were greater than the threshold (70.0) (minimum 3 datapoints for OK -> ALARM transition).",
  );
  const ok = {
    ...base,
    datapoints: [140, 60, 210].map((v, i) => ({ timestamp: stamp(i), value: v })),
  };
  assert.equal(
    stateReason(ok, evaluateAlarm(ok)),
    "Threshold Crossed: 1 out of the last 3 datapoints [60.0 (01/05/26 10:01:00)] was not greater than the threshold (70.0) (minimum 1 datapoint for ALARM -> OK transition).",
  );
  const none = {
    ...base,
    datapoints: [0, 1, 2, 3, 4].map((i) => ({ timestamp: stamp(i), value: undefined })),
  };
  assert.equal(
    stateReason(none, evaluateAlarm(none)),
    "Insufficient Data: 5 datapoints were unknown.",
  );
  const filled = { ...none, treatMissingData: "breaching" as const };
  assert.equal(
    stateReason(filled, evaluateAlarm(filled)),
    "Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].",
  );
});

Deno.test("evaluateAlarmSeries: a window of a whole series decides as evaluateAlarm on that window's datapoints", () => {
  // The sweep evaluates its alarms on whole series (end = newest visible period + 1, range =
  // N + 2); the local backend collects the range's datapoints and calls evaluateAlarm. On every
  // window of a series with gaps, for each rule and TreatMissingData, the two agree.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const series = Array.from(
    { length: 40 },
    () => random() < 0.25 ? NaN : Math.round(random() * 100),
  );
  const treats: TreatMissingData[] = ["missing", "ignore", "breaching", "notBreaching"];
  let compared = 0;
  for (const [n, m] of [[3, 3], [3, 2], [5, 1], [15, 15]]) {
    for (const treat of treats) {
      for (let end = 0; end <= series.length; end++) {
        const range = evaluationRange(n);
        const rule = {
          evaluationPeriods: n,
          datapointsToAlarm: m,
          threshold: 50,
          comparisonOperator: "GreaterThanOrEqualToThreshold" as const,
          treatMissingData: treat,
          currentState: "ALARM" as const,
        };
        const datapoints = series.slice(Math.max(0, end - range), end).map((v, i) => ({
          timestamp: i * 60_000,
          value: Number.isNaN(v) ? undefined : v,
        }));
        const expected = evaluateAlarm({ ...rule, datapoints });
        const got = evaluateAlarmSeries(series, { ...rule, end, range });
        assert.deepEqual(
          { state: got.state, rule: got.rule, breaching: got.breaching },
          { state: expected.state, rule: expected.rule, breaching: expected.breaching },
          `N=${n} M=${m} ${treat} end=${end}`,
        );
        compared++;
      }
    }
  }
  assert.equal(compared, 4 * 4 * 41);
});
