import assert from "node:assert/strict";
import { InvalidScheduleError, nextFireTime, parseSchedule } from "./schedule.ts";
import { InvalidTimezoneError, localToInstant } from "./timezone.ts";

const iso = (t: number | undefined) => t === undefined ? undefined : new Date(t).toISOString();
const at = (s: string) => Date.parse(s);

Deno.test("parseSchedule reads at, rate and cron expressions", () => {
  assert.deepEqual(parseSchedule("at(2026-05-01T09:30:15)"), {
    kind: "at",
    expression: "at(2026-05-01T09:30:15)",
    year: 2026,
    month: 5,
    day: 1,
    hour: 9,
    minute: 30,
    second: 15,
  });
  const rate = parseSchedule("rate(1 hour)");
  assert.equal(rate.kind === "rate" && rate.intervalMs, 3_600_000);
  const cron = parseSchedule("cron(0/15 8-10 ? JAN,MAR-APR MON-FRI 2026-2027)");
  assert.equal(cron.kind, "cron");
  if (cron.kind !== "cron") return;
  assert.deepEqual(cron.minutes, [0, 15, 30, 45]);
  assert.deepEqual(cron.hours, [8, 9, 10]);
  assert.deepEqual(cron.months, [1, 3, 4]);
  assert.deepEqual(cron.dayOfWeek.days, [2, 3, 4, 5, 6]);
  assert.deepEqual(cron.years, [2026, 2027]);
  assert.equal(cron.dayOfMonth.any, true);
});

Deno.test("parseSchedule rejects malformed expressions with the reason", () => {
  const cases: [string, RegExp][] = [
    ["cron(0 12 * * * *)", /either day-of-month or day-of-week and put \? in the other/],
    ["cron(0 12 ? * ? *)", /either day-of-month or day-of-week/],
    ["cron(0 12 * *)", /takes 6 fields .* got 4/],
    ["cron(60 12 * * ? *)", /minutes value "60" is out of range 0-59/],
    ["cron(0 12 32 * ? *)", /day-of-month value "32" is out of range 1-31/],
    ["cron(0 12 ? * FOO *)", /day-of-week value "FOO" is not a number/],
    ["cron(0 12 ? * 2#6 *)", /day#n with n from 1 to 5/],
    ["cron(0 12 ? * FRI-MON *)", /starts after it ends/],
    ["cron(0/0 12 * * ? *)", /positive whole step/],
    ["cron(0 12 * * ? 1969)", /year value "1969" is out of range 1970-2199/],
    ["rate(0 minutes)", /at least 1/],
    ["rate(5 weeks)", /minute\(s\), hour\(s\) or day\(s\)/],
    ["at(2026-02-30T00:00:00)", /not a valid date and time/],
    ["at(2026-02-03 00:00:00)", /yyyy-mm-ddThh:mm:ss/],
    ["every day", /use at\(yyyy-mm-ddThh:mm:ss\), rate\(value unit\) or cron\(fields\)/],
  ];
  for (const [expr, message] of cases) {
    assert.throws(() => parseSchedule(expr), (e: unknown) => {
      assert.ok(e instanceof InvalidScheduleError, expr);
      assert.match(e.message, message, expr);
      assert.ok(e.message.startsWith(`Invalid schedule expression "${expr}"`), e.message);
      return true;
    });
  }
});

Deno.test("nextFireTime: at() fires once, in the action's time zone", () => {
  const s = "at(2026-06-01T08:00:00)";
  assert.equal(iso(nextFireTime(s, at("2026-05-01T00:00:00Z"))), "2026-06-01T08:00:00.000Z");
  assert.equal(
    iso(nextFireTime(s, at("2026-05-01T00:00:00Z"), "Europe/Paris")),
    "2026-06-01T06:00:00.000Z",
  );
  // Strictly after: once it has fired it never fires again.
  assert.equal(nextFireTime(s, at("2026-06-01T08:00:00Z")), undefined);
  // An EndTime before it cancels it.
  assert.equal(
    nextFireTime(s, at("2026-05-01T00:00:00Z"), "UTC", undefined, at("2026-05-31T00:00:00Z")),
    undefined,
  );
});

Deno.test("nextFireTime: rate() chains from the previous fire, or counts from StartTime", () => {
  const created = at("2026-01-01T10:00:20Z");
  const first = nextFireTime("rate(5 minutes)", created)!;
  assert.equal(iso(first), "2026-01-01T10:05:20.000Z");
  assert.equal(iso(nextFireTime("rate(5 minutes)", first)), "2026-01-01T10:10:20.000Z");
  const start = at("2026-01-01T12:00:00Z");
  assert.equal(iso(nextFireTime("rate(2 hours)", created, "UTC", start)), iso(start));
  assert.equal(
    iso(nextFireTime("rate(2 hours)", at("2026-01-01T13:00:00Z"), "UTC", start)),
    "2026-01-01T14:00:00.000Z",
  );
  assert.equal(
    iso(nextFireTime("rate(1 day)", at("2026-01-01T14:00:00Z"), "UTC", start)),
    "2026-01-02T12:00:00.000Z",
  );
  assert.equal(nextFireTime("rate(1 day)", created, "UTC", undefined, created + 1000), undefined);
});

Deno.test("nextFireTime: cron lists, ranges, steps and names", () => {
  const after = at("2026-03-04T10:07:00Z"); // a Wednesday
  assert.equal(iso(nextFireTime("cron(0/15 * * * ? *)", after)), "2026-03-04T10:15:00.000Z");
  assert.equal(iso(nextFireTime("cron(0 9 ? * MON-FRI *)", after)), "2026-03-05T09:00:00.000Z");
  assert.equal(iso(nextFireTime("cron(30 8 ? * SAT,SUN *)", after)), "2026-03-07T08:30:00.000Z");
  assert.equal(iso(nextFireTime("cron(0 0 1 JAN ? *)", after)), "2027-01-01T00:00:00.000Z");
  assert.equal(iso(nextFireTime("cron(0 0 29 2 ? *)", after)), "2028-02-29T00:00:00.000Z");
  assert.equal(nextFireTime("cron(0 0 1 1 ? 2025)", after), undefined);
  // Seven fields: a leading seconds field.
  assert.equal(iso(nextFireTime("cron(30 7 10 * * ? *)", after)), "2026-03-04T10:07:30.000Z");
});

Deno.test("nextFireTime: cron L, W and # day rules", () => {
  const after = at("2026-02-10T00:00:00Z");
  assert.equal(iso(nextFireTime("cron(0 12 L * ? *)", after)), "2026-02-28T12:00:00.000Z");
  // 2026-02-28 is a Saturday: the last weekday is Friday the 27th.
  assert.equal(iso(nextFireTime("cron(0 12 LW * ? *)", after)), "2026-02-27T12:00:00.000Z");
  // 2026-02-15 is a Sunday: the nearest weekday is Monday the 16th.
  assert.equal(iso(nextFireTime("cron(0 12 15W * ? *)", after)), "2026-02-16T12:00:00.000Z");
  // 2026-03-01 is a Sunday: 1W moves forward to Monday the 2nd, never into February.
  assert.equal(
    iso(nextFireTime("cron(0 12 1W * ? *)", at("2026-02-20T00:00:00Z"))),
    "2026-03-02T12:00:00.000Z",
  );
  // Third Friday of February 2026 is the 20th; last Friday (6L) is the 27th.
  assert.equal(iso(nextFireTime("cron(0 12 ? * 6#3 *)", after)), "2026-02-20T12:00:00.000Z");
  assert.equal(iso(nextFireTime("cron(0 12 ? * FRIL *)", after)), "2026-02-27T12:00:00.000Z");
  // L alone in day-of-week: Saturday.
  assert.equal(iso(nextFireTime("cron(0 12 ? * L *)", after)), "2026-02-14T12:00:00.000Z");
});

Deno.test("nextFireTime: StartTime and EndTime bound a cron schedule", () => {
  const s = "cron(0 * * * ? *)";
  const after = at("2026-01-01T00:30:00Z");
  assert.equal(
    iso(nextFireTime(s, after, "UTC", at("2026-01-01T05:10:00Z"))),
    "2026-01-01T06:00:00.000Z",
  );
  assert.equal(
    iso(nextFireTime(s, after, "UTC", at("2026-01-01T05:00:00Z"))),
    "2026-01-01T05:00:00.000Z",
  );
  assert.equal(nextFireTime(s, after, "UTC", undefined, at("2026-01-01T00:59:59Z")), undefined);
});

Deno.test("nextFireTime: daily cron in New York keeps 09:00 local across both DST changes", () => {
  const s = "cron(0 9 * * ? *)";
  // EST (UTC-5) before 2026-03-08, EDT (UTC-4) after; back to EST on 2026-11-01.
  assert.equal(
    iso(nextFireTime(s, at("2026-03-07T15:00:00Z"), "America/New_York")),
    "2026-03-08T13:00:00.000Z",
  );
  assert.equal(
    iso(nextFireTime(s, at("2026-03-06T15:00:00Z"), "America/New_York")),
    "2026-03-07T14:00:00.000Z",
  );
  assert.equal(
    iso(nextFireTime(s, at("2026-10-31T14:00:00Z"), "America/New_York")),
    "2026-11-01T14:00:00.000Z",
  );
});

Deno.test("nextFireTime: a wall-clock time in the spring gap moves later; a repeated one fires once", () => {
  // 02:30 does not exist in New York on 2026-03-08; it fires at 03:30 EDT (07:30Z).
  const gap = "cron(30 2 * * ? *)";
  assert.equal(
    iso(nextFireTime(gap, at("2026-03-08T00:00:00Z"), "America/New_York")),
    "2026-03-08T07:30:00.000Z",
  );
  // 01:30 happens twice on 2026-11-01 (EDT then EST): it fires at the first, 05:30Z, only.
  const twice = "cron(30 1 * * ? *)";
  const first = nextFireTime(twice, at("2026-11-01T00:00:00Z"), "America/New_York")!;
  assert.equal(iso(first), "2026-11-01T05:30:00.000Z");
  assert.equal(
    iso(nextFireTime(twice, first, "America/New_York")),
    "2026-11-02T06:30:00.000Z",
  );
  assert.equal(
    new Date(
      localToInstant(
        { year: 2026, month: 11, day: 1, hour: 1, minute: 30, second: 0 },
        "America/New_York",
      ),
    ).toISOString(),
    "2026-11-01T05:30:00.000Z",
  );
});

Deno.test("nextFireTime: a fixed-offset Etc zone and an unknown zone", () => {
  // Etc/GMT+9 is UTC-9 (the POSIX sign is inverted).
  assert.equal(
    iso(nextFireTime("cron(0 9 * * ? *)", at("2026-01-01T00:00:00Z"), "Etc/GMT+9")),
    "2026-01-01T18:00:00.000Z",
  );
  assert.throws(
    () => nextFireTime("cron(0 9 * * ? *)", 0, "Nowhere/Special"),
    (e: unknown) => e instanceof InvalidTimezoneError && /"Nowhere\/Special"/.test(e.message),
  );
});

Deno.test("nextFireTime: every fire time of a busy cron is matched and strictly increasing", () => {
  // Walk a week of every-5-minutes-on-weekdays in Paris through the October DST change.
  const s = parseSchedule("cron(0/5 * ? * MON-FRI *)");
  let t = at("2026-10-23T00:00:00Z");
  const end = at("2026-10-31T00:00:00Z");
  let count = 0;
  for (;;) {
    const next = nextFireTime(s, t, "Europe/Paris");
    if (next === undefined || next > end) break;
    assert.ok(next > t);
    assert.equal(next % 300_000, 0, iso(next));
    const local = new Date(next).toLocaleString("en-US", {
      timeZone: "Europe/Paris",
      weekday: "short",
    });
    assert.ok(!["Sat", "Sun"].includes(local), `${iso(next)} is a ${local} in Paris`);
    t = next;
    count++;
  }
  // Six weekdays (Fri 23 .. Fri 30) of 288 five-minute marks, less Friday 23rd's 00:00-02:00
  // local (25 marks, up to and including 00:00Z itself, which is not strictly after the start).
  assert.equal(count, 6 * 288 - 25);
});
