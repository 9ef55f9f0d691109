import {
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  InvalidNextToken,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  ListMetricsCommand,
  MissingRequiredParameterException,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import assert from "node:assert/strict";
import { NotImplementedLocallyError } from "../kernel/dispatch.ts";
import type { MetricRow } from "../../../sim/metric_row.ts";
import { type LocalFixture, rejectsAws, withFixture } from "../testdata/sagemaker_fixture.ts";

const MIN = 60_000;
const DIMS = [{ Name: "EndpointName", Value: "ep" }, { Name: "VariantName", Value: "AllTraffic" }];

/** Puts one value per minute for `minutes` minutes starting at `start`. */
async function putMinutes(f: LocalFixture, start: number, values: number[], extra = {}) {
  await f.cw.send(
    new PutMetricDataCommand({
      Namespace: "Lab",
      MetricData: values.map((v, i) => ({
        MetricName: "Requests",
        Dimensions: DIMS,
        Timestamp: new Date(start + i * MIN),
        Value: v,
        Unit: "Count",
        ...extra,
      })),
    }),
  );
}

async function stats(f: LocalFixture, start: number, end: number, period: number, more = {}) {
  return await f.cw.send(
    new GetMetricStatisticsCommand({
      Namespace: "Lab",
      MetricName: "Requests",
      Dimensions: DIMS,
      StartTime: new Date(start),
      EndTime: new Date(end),
      Period: period,
      Statistics: ["Sum", "Average", "SampleCount", "Minimum", "Maximum"],
      ...more,
    }),
  );
}

Deno.test("GetMetricStatistics sums per period; datapoints come unordered but deterministic", async () => {
  await withFixture(async (f) => {
    const t0 = f.clock.now().getTime() - 30 * MIN;
    await putMinutes(f, t0, [1, 2, 3, 4, 5, 6]);
    // Two values in the same minute add up (standard resolution stores per minute).
    await putMinutes(f, t0 + 20_000, [10]);
    const out = await stats(f, t0, t0 + 6 * MIN, 60);
    assert.equal(out.Label, "Requests");
    const times = out.Datapoints!.map((d) => d.Timestamp!.getTime());
    assert.notDeepEqual(
      times,
      [...times].sort((a, b) => a - b),
      "datapoints must not be chronological",
    );
    const again = await stats(f, t0, t0 + 6 * MIN, 60);
    assert.deepEqual(out.Datapoints, again.Datapoints, "the order is deterministic");
    const sorted = out.Datapoints!.sort((a, b) => a.Timestamp!.getTime() - b.Timestamp!.getTime());
    assert.deepEqual(sorted.map((d) => d.Sum), [11, 2, 3, 4, 5, 6]);
    assert.deepEqual(sorted[0], {
      Timestamp: new Date(t0),
      Unit: "Count",
      Sum: 11,
      Average: 5.5,
      SampleCount: 2,
      Minimum: 1,
      Maximum: 10,
    });
    const twoMinutes = await stats(f, t0, t0 + 6 * MIN, 120);
    assert.deepEqual(
      twoMinutes.Datapoints!.map((d) => [d.Timestamp!.getTime() - t0, d.Sum]).sort((a, b) =>
        a[0]! - b[0]!
      ),
      [[0, 13], [2 * MIN, 7], [4 * MIN, 11]],
    );
    // Start rounds down to the minute; end is exclusive.
    const partial = await stats(f, t0 + 30_000, t0 + 2 * MIN, 60);
    assert.deepEqual(partial.Datapoints!.map((d) => d.Sum).sort(), [11, 2]);
    // A unit that does not match gives nothing (no conversion).
    assert.deepEqual((await stats(f, t0, t0 + 6 * MIN, 60, { Unit: "Seconds" })).Datapoints, []);
  });
});

Deno.test("Period must be 1, 5, 10, 20, 30 or a multiple of 60; sub-minute data lives 3 hours", async () => {
  await withFixture(async (f) => {
    const t0 = f.clock.now().getTime() - 10 * MIN;
    await rejectsAws(stats(f, t0, t0 + MIN, 45), {
      name: "InvalidParameterValueException",
      message: /Period/,
    });
    await assert.rejects(stats(f, t0, t0 + MIN, 0), InvalidParameterValueException);
    // High-resolution data every 10 s for one minute.
    await f.cw.send(
      new PutMetricDataCommand({
        Namespace: "Lab",
        MetricData: [0, 1, 2, 3, 4, 5].map((k) => ({
          MetricName: "Requests",
          Dimensions: DIMS,
          Timestamp: new Date(t0 + k * 10_000 + 3_000),
          Value: k + 1,
          StorageResolution: 1,
        })),
      }),
    );
    const thirty = await stats(f, t0, t0 + MIN, 30);
    assert.deepEqual(
      thirty.Datapoints!.map((d) => [d.Timestamp!.getTime() - t0, d.Sum]).sort((a, b) =>
        a[0]! - b[0]!
      ),
      [[0, 6], [30_000, 15]],
    );
    const ten = await stats(f, t0, t0 + MIN, 10);
    assert.equal(ten.Datapoints!.length, 6);
    // Four hours later the 10-second view is gone; the minute view remains.
    await f.clock.sleep(4 * 60 * MIN);
    assert.deepEqual((await stats(f, t0, t0 + MIN, 10)).Datapoints, []);
    assert.deepEqual((await stats(f, t0, t0 + MIN, 60)).Datapoints!.map((d) => d.Sum), [21]);
  });
});

Deno.test("GetMetricStatistics refuses more than 1,440 datapoints with AWS's wording", async () => {
  await withFixture(async (f) => {
    const end = f.clock.now().getTime();
    const day = 1440 * MIN;
    const ok = await stats(f, end - day, end, 60);
    assert.deepEqual(ok.Datapoints, []);
    await assert.rejects(stats(f, end - day - MIN, end, 60), (e: unknown) => {
      assert.ok(e instanceof InvalidParameterCombinationException);
      assert.equal(
        e.message,
        "You have requested up to 1441 datapoints, which exceeds the limit of 1440. You may reduce the datapoints requested by increasing Period, or decreasing the time range.",
      );
      return true;
    });
    await rejectsAws(stats(f, end - 60 * MIN, end, 1), {
      name: "InvalidParameterCombinationException",
      message: /^You have requested up to 3600 datapoints/,
    });
  });
});

Deno.test("ExtendedStatistics give percentiles of Values/Counts", async () => {
  await withFixture(async (f) => {
    const t0 = f.clock.now().getTime() - 5 * MIN;
    const values = Array.from({ length: 100 }, (_, i) => (i + 1) * 1000);
    await f.cw.send(
      new PutMetricDataCommand({
        Namespace: "Lab",
        MetricData: [{
          MetricName: "Latency",
          Timestamp: new Date(t0),
          Values: values,
          Counts: values.map((_, i) => (i < 50 ? 1 : 2)),
          Unit: "Microseconds",
        }],
      }),
    );
    const out = await f.cw.send(
      new GetMetricStatisticsCommand({
        Namespace: "Lab",
        MetricName: "Latency",
        StartTime: new Date(t0),
        EndTime: new Date(t0 + MIN),
        Period: 60,
        ExtendedStatistics: ["p50", "p90", "p99"],
      }),
    );
    // 150 samples: 1..50 (x1 each, thousands) then 51..100 (x2 each).
    assert.deepEqual(out.Datapoints, [{
      Timestamp: new Date(t0),
      Unit: "Microseconds",
      ExtendedStatistics: { p50: 63_000, p90: 93_000, p99: 100_000 },
    }]);
  });
});

Deno.test("GetMetricStatistics and PutMetricData reject bad requests by AWS name", async () => {
  await withFixture(async (f) => {
    const now = f.clock.now().getTime();
    await assert.rejects(
      f.cw.send(
        new GetMetricStatisticsCommand({
          Namespace: "Lab",
          MetricName: "Requests",
          StartTime: new Date(now - MIN),
          EndTime: new Date(now),
          Period: 60,
        }),
      ),
      InvalidParameterCombinationException,
    );
    await rejectsAws(stats(f, now - MIN, now, 60, { ExtendedStatistics: ["p99"] }), {
      name: "InvalidParameterCombinationException",
      message: /but not both/,
    });
    await assert.rejects(
      f.cw.send(
        new GetMetricStatisticsCommand({
          Namespace: "Lab",
          MetricName: "Requests",
          StartTime: new Date(now - MIN),
          EndTime: new Date(now),
          Statistics: ["Sum"],
        } as never),
      ),
      (e: unknown) =>
        e instanceof MissingRequiredParameterException && /Period is required/.test(e.message),
    );
    await rejectsAws(stats(f, now, now, 60), {
      name: "InvalidParameterValueException",
      message: "The parameter StartTime must not equal parameter EndTime.",
    });
    await rejectsAws(stats(f, now - MIN, now, 60, { Statistics: ["Median"] }), {
      name: "InvalidParameterValueException",
      message: /Statistics\.member\.1 must be a value in the set/,
    });
    const put = (datum: Record<string, unknown>, namespace = "Lab") =>
      f.cw.send(
        new PutMetricDataCommand({
          Namespace: namespace,
          MetricData: [{ MetricName: "M", ...datum }],
        }),
      );
    await rejectsAws(put({ Value: 1 }, "AWS/SageMaker"), {
      name: "InvalidParameterValueException",
      message: "The value AWS/ for parameter Namespace is invalid.",
    });
    await rejectsAws(put({ Value: 1, StorageResolution: 30 }), {
      name: "InvalidParameterValueException",
      message:
        "The parameter MetricData.member.1.StorageResolution must be a value in the set [ 1, 60 ].",
    });
    await rejectsAws(put({ Values: Array.from({ length: 151 }, (_, i) => i) }), {
      name: "InvalidParameterValueException",
      message: "The collection MetricData.member.1.Values must not have a size greater than 150.",
    });
    await rejectsAws(put({ Value: 1, Timestamp: new Date(now - 15 * 24 * 60 * MIN) }), {
      name: "InvalidParameterValueException",
      message:
        "The parameter MetricData.member.1.Timestamp must specify a time within the past two weeks.",
    });
    await rejectsAws(put({ Value: 1, Values: [1] }), {
      name: "InvalidParameterCombinationException",
      message: /Value and MetricData\.member\.1\.Values are mutually exclusive/,
    });
    await rejectsAws(put({ Value: Number.NaN }), {
      name: "InvalidParameterValueException",
      message: /Value is invalid/,
    });
    await rejectsAws(put({ Values: [1, 2], Counts: [1] }), {
      name: "InvalidParameterCombinationException",
      message: /same size/,
    });
    await rejectsAws(put({ Value: 1, Unit: "Furlongs" }), {
      name: "InvalidParameterValueException",
      message: /Unit/,
    });
  });
});

function simulatedRows(start: number, invocations: number[]): MetricRow[] {
  return invocations.map((n, i) => ({
    namespace: "AWS/SageMaker",
    metricName: "Invocations",
    dimensions: DIMS,
    timestamp: start + i * MIN,
    unit: "None",
    sampleCount: 1,
    sum: n,
    min: n,
    max: n,
  }));
}

Deno.test("GetMetricData returns newest first, pages at MaxDatapoints and reads simulated metrics", async () => {
  await withFixture(async (f) => {
    const t0 = f.clock.now().getTime() - 60 * MIN;
    f.ctx.store.tx(() => f.ctx.store.putMetrics(simulatedRows(t0, [10, 20, 30, 40, 50])));
    const query = (id: string, stat: string, extra = {}) => ({
      Id: id,
      MetricStat: {
        Metric: { Namespace: "AWS/SageMaker", MetricName: "Invocations", Dimensions: DIMS },
        Period: 60,
        Stat: stat,
      },
      ...extra,
    });
    const base = { StartTime: new Date(t0), EndTime: new Date(t0 + 5 * MIN) };
    const newest = await f.cw.send(
      new GetMetricDataCommand({ ...base, MetricDataQueries: [query("m1", "Sum")] }),
    );
    const r = newest.MetricDataResults![0];
    assert.equal(r.Id, "m1");
    assert.equal(r.Label, "Invocations");
    assert.equal(r.StatusCode, "Complete");
    assert.deepEqual(r.Values, [50, 40, 30, 20, 10]);
    assert.deepEqual(r.Timestamps![0], new Date(t0 + 4 * MIN));
    assert.equal(newest.NextToken, undefined);

    const asc = await f.cw.send(
      new GetMetricDataCommand({
        ...base,
        ScanBy: "TimestampAscending",
        MetricDataQueries: [
          query("m1", "Sum", { Label: "per minute" }),
          query("hidden", "Sum", { ReturnData: false }),
        ],
      }),
    );
    assert.equal(asc.MetricDataResults!.length, 1);
    assert.equal(asc.MetricDataResults![0].Label, "per minute");
    assert.deepEqual(asc.MetricDataResults![0].Values, [10, 20, 30, 40, 50]);

    // Pages of 3 datapoints over two queries of 5 points each.
    const request = {
      ...base,
      MaxDatapoints: 3,
      MetricDataQueries: [query("sum", "Sum"), query("avg", "Average")],
    };
    const got: Record<string, number[]> = { sum: [], avg: [] };
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await f.cw.send(new GetMetricDataCommand({ ...request, NextToken: token }));
      for (const res of page.MetricDataResults!) got[res.Id!].push(...res.Values!);
      if (page.NextToken) {
        assert.ok(page.MetricDataResults!.some((x) => x.StatusCode === "PartialData"));
      }
      token = page.NextToken;
      pages++;
    } while (token);
    assert.equal(pages, 4);
    assert.deepEqual(got, { sum: [50, 40, 30, 20, 10], avg: [50, 40, 30, 20, 10] });
    await assert.rejects(
      f.cw.send(
        new GetMetricDataCommand({ ...request, MaxDatapoints: 4, NextToken: "bm90LWEtdG9rZW4=" }),
      ),
      InvalidNextToken,
    );
  });
});

Deno.test("GetMetricData validates ids and periods; metric math fails clearly", async () => {
  await withFixture(async (f) => {
    const now = f.clock.now().getTime();
    const stat = {
      Metric: { Namespace: "Lab", MetricName: "Requests" },
      Period: 60,
      Stat: "Sum",
    };
    const send = (queries: unknown[]) =>
      f.cw.send(
        new GetMetricDataCommand({
          StartTime: new Date(now - 10 * MIN),
          EndTime: new Date(now),
          MetricDataQueries: queries as never,
        }),
      );
    await rejectsAws(send([{ Id: "5xx", MetricStat: stat }, { Id: "Upper", MetricStat: stat }]), {
      name: "ValidationError",
      message:
        "The value 5xx for parameter MetricDataQueries.member.1.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.\n" +
        "The value Upper for parameter MetricDataQueries.member.2.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.",
    });
    await rejectsAws(send([{ Id: "m1", MetricStat: { ...stat, Period: 45 } }]), {
      name: "ValidationError",
      message: /MetricDataQueries\.member\.1\.MetricStat\.Period is invalid/,
    });
    await rejectsAws(send([{ Id: "m1", MetricStat: stat }, { Id: "m1", MetricStat: stat }]), {
      name: "ValidationError",
      message: /not unique/,
    });
    await assert.rejects(
      send([{ Id: "m1", MetricStat: stat }, { Id: "e1", Expression: "m1 * 2" }]),
      (e: unknown) => e instanceof NotImplementedLocallyError && /metric math/.test(e.message),
    );
  });
});

Deno.test("ListMetrics filters by namespace, name and dimensions, and pages by 500", async () => {
  await withFixture(async (f) => {
    const now = f.clock.now().getTime();
    const rows: MetricRow[] = [];
    for (let i = 0; i < 501; i++) {
      rows.push({
        ...simulatedRows(now - 5 * MIN, [1])[0],
        dimensions: [{ Name: "EndpointName", Value: `ep-${i}` }],
      });
    }
    rows.push({ ...simulatedRows(now - 5 * MIN, [1])[0], metricName: "ModelLatency" });
    f.ctx.store.tx(() => f.ctx.store.putMetrics(rows));
    await putMinutes(f, now - 5 * MIN, [1]);

    const first = await f.cw.send(new ListMetricsCommand({ Namespace: "AWS/SageMaker" }));
    assert.equal(first.Metrics!.length, 500);
    const second = await f.cw.send(
      new ListMetricsCommand({ Namespace: "AWS/SageMaker", NextToken: first.NextToken }),
    );
    assert.equal(second.Metrics!.length, 2);
    assert.equal(second.NextToken, undefined);

    const latency = await f.cw.send(
      new ListMetricsCommand({ MetricName: "ModelLatency", Dimensions: [{ Name: "VariantName" }] }),
    );
    assert.deepEqual(latency.Metrics, [{
      Namespace: "AWS/SageMaker",
      MetricName: "ModelLatency",
      Dimensions: DIMS,
    }]);
    const one = await f.cw.send(
      new ListMetricsCommand({ Dimensions: [{ Name: "EndpointName", Value: "ep-7" }] }),
    );
    assert.deepEqual(one.Metrics!.map((m) => m.Dimensions![0].Value), ["ep-7"]);
    const lab = await f.cw.send(new ListMetricsCommand({ Namespace: "Lab" }));
    assert.deepEqual(lab.Metrics, [{ Namespace: "Lab", MetricName: "Requests", Dimensions: DIMS }]);

    await f.clock.sleep(4 * 60 * MIN);
    const recent = await f.cw.send(new ListMetricsCommand({ RecentlyActive: "PT3H" }));
    assert.deepEqual(recent.Metrics, []);
  });
});
