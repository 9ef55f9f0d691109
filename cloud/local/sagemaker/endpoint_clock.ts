/**
 * Every endpoint that can take traffic lives on the simulated clock, job or no job
 * (`../shared/spec/autoscaling.md` §1.4, §2.3, §5; simulation-model.md §4, §5).
 *
 * At every whole minute (and every 10 s while a high-resolution alarm watches the endpoint) an
 * endpoint that is InService or Updating is simulated over the period that just closed: each
 * variant's fleet (`sim/fleet/`, its capacity profile) is integrated over its instance timeline
 * with the sum of the load of its **traffic sources** (running Advanced jobs register one, see
 * {@linkcode registerTrafficSource}), and the minute's recorded direct invocations
 * (`endpoint_traffic.ts`, InvokeEndpoint) are added. The minute's rows are the 60 s
 * `AWS/SageMaker` Invocations, InvocationsPerInstance, Invocation4XX/5XXErrors,
 * InvocationModelErrors, ModelLatency, the `/aws/sagemaker/Endpoints` CPUUtilization and
 * MemoryUtilization (idle values of the profile when there is no traffic) and the 10 s
 * ConcurrentRequestsPerModel. Alarms and Application Auto Scaling react to them as to any metric.
 *
 * Idle minutes. AWS's pages disagree, so it is a setting (`settings.idleInvocationMetrics`):
 * - `"zero"` (default): "zero traffic scales in to MinCapacity — SageMaker emits 0-valued
 *   metrics" (SageMaker developer guide, "Prerequisites" of auto scaling, archived 2023; spec
 *   autoscaling.md §1.4 SM-PRE). An idle endpoint publishes Invocations = 0 and
 *   InvocationsPerInstance = 0 every minute, so a target-tracking AlarmLow goes to ALARM and
 *   the fleet scales in to MinCapacity.
 * - `"none"`: the older reading — SageMaker publishes invocation metrics only for minutes with
 *   invocations, so after the load the alarms have missing data, go INSUFFICIENT_DATA and
 *   Application Auto Scaling does not scale ("How target tracking scaling for Application Auto
 *   Scaling works": a target-tracking policy does not act on an alarm with insufficient data;
 *   the same symptom for a load balancer metric, "Low/No traffic not scaling in",
 *   aws/copilot-cli#5854). [INF] AWS's current pages say neither in so many words. CPU and memory utilization
 *   are instance metrics and are published either way.
 *
 * An endpoint without a stored capacity profile has no fleet model: it publishes only its
 * invocation metrics (from direct traffic, zero when idle).
 *
 * `settings.endpointSimulation: false` leaves endpoints off the clock (they publish only while a
 * job load-tests them: the job then simulates them minute by minute through
 * {@linkcode simulateEndpoint}); tests that lay their own metric rows use it.
 *
 * @module
 */
import type { LocalContext, LocalRuntime } from "../kernel/context.ts";
import type { MetricRow } from "../../../sim/metric_row.ts";
import {
  emptyFleetPeriod,
  type FleetCarry,
  fleetMetricRows,
  type FleetPeriod,
  integrateFleet,
  type LoadTimeline,
  NO_CARRY,
  type ProfileCurve,
  profileCurve,
  sumLoads,
} from "../../../sim/fleet/mod.ts";
import type { CapacityProfile } from "../../../sim/profile.ts";
import { profileForKey } from "../kernel/profiles.ts";
import { type EndpointRecord, instancesInService, KIND } from "./records.ts";
import { findByName } from "./validation.ts";
import { forgetTraffic, recordedTraffic } from "./endpoint_traffic.ts";

/** Simulation event: one tick of an endpoint on the clock (ref: endpoint name). */
export const ENDPOINT_TICK_EVENT = "sagemaker-endpoint-tick";
/** Store kind of an endpoint's simulation state (id: endpoint name). */
export const ENDPOINT_SIM_KIND = "sagemaker-endpoint-sim";

const MINUTE = 60_000;
const TICK = 10_000;

/** Statuses in which an endpoint's instances take traffic. */
const SERVING = new Set(["InService", "Updating", "SystemUpdating", "RollingBack"]);

/**
 * A source of load on endpoint variants (an Advanced job's users): the load it sends to the
 * variant over `[from, to)`, or undefined when it sends none.
 */
export type TrafficSource = (
  ctx: LocalContext,
  window: { endpointName: string; variantName: string; from: number; to: number },
) => LoadTimeline[];

/** The simulation state of an endpoint (stored apart from its record). */
export interface EndpointSimState {
  /** The simulated time up to which the endpoint's metrics are written. */
  tickedUntil: number;
  /** Fractional counts carried from minute to minute, by variant. */
  carry: Record<string, FleetCarry>;
  /** The last closed minute's standard periods, by variant (what a load test reads). */
  lastMinute?: { end: number; periods: Record<string, FleetPeriod[]> };
}

function sources(runtime: LocalRuntime): TrafficSource[] {
  return runtime.memo("sagemaker-traffic-sources", () => [] as TrafficSource[]);
}

/**
 * Adds a traffic source (once per runtime, at assembly): the local Advanced job registers one.
 *
 * @example Usage
 * ```ts
 * import { registerTrafficSource } from "./endpoint_clock.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * registerTrafficSource(new LocalRuntime(), () => []);
 * ```
 */
export function registerTrafficSource(runtime: LocalRuntime, source: TrafficSource): void {
  sources(runtime).push(source);
}

function curveOf(ctx: LocalContext, key: string): ProfileCurve | undefined {
  const cache = ctx.runtime.memo("sagemaker-endpoint-curves", () => new Map<string, unknown>());
  const cacheKey = `${ctx.store.dir}|${key}`;
  if (cache.has(cacheKey)) return cache.get(cacheKey) as ProfileCurve | undefined;
  const profile = profileForKey(ctx, key); // a profile given for the instance type wins
  let curve: ProfileCurve | undefined;
  try {
    curve = profile === undefined ? undefined : profileCurve(profile as CapacityProfile);
  } catch {
    curve = undefined; // a profile the fleet model cannot use: no fleet model
  }
  // A missing profile may be stored later (a Default job): only cache what was found.
  if (profile !== undefined) cache.set(cacheKey, curve);
  return curve;
}

/** Whether a high-resolution (sub-minute) alarm watches the endpoint. */
function watchedAtHighResolution(ctx: LocalContext, endpointName: string): boolean {
  // The CloudWatch service's alarm kind (cloudwatch/alarm_records.ts ALARM_KIND; CloudWatch
  // imports SageMaker, so it is named here rather than imported).
  for (
    const { doc } of ctx.store.peekDocs<
      { Period: number; Dimensions: { Name: string; Value: string }[] }
    >("cloudwatch-alarm")
  ) {
    if (doc.Period >= 60) continue;
    if (doc.Dimensions.some((d) => d.Name === "EndpointName" && d.Value === endpointName)) {
      return true;
    }
  }
  return false;
}

const INVOCATION_METRICS = new Set([
  "Invocations",
  "InvocationsPerInstance",
  "Invocation4XXErrors",
  "Invocation5XXErrors",
  "InvocationModelErrors",
  "ModelLatency",
  "ConcurrentRequestsPerModel",
]);

/** Adds a minute's direct invocations to a variant's period (counts, per instance, latency). */
function addDirect(
  period: FleetPeriod,
  direct: { count: number; errors: number; latencySumMs: number; latencyCount: number },
  instances: number,
): FleetPeriod {
  const out = { ...period };
  out.invocations += direct.count;
  out.invocationsPerInstance += direct.count / Math.max(1, instances);
  if (direct.latencyCount > 0) {
    const meanUs = direct.latencySumMs * 1000 / direct.latencyCount;
    const d = out.modelLatencyUs;
    out.modelLatencyUs = d === undefined
      ? {
        sampleCount: direct.latencyCount,
        sum: direct.latencySumMs * 1000,
        min: meanUs,
        max: meanUs,
        values: [meanUs],
        counts: [direct.latencyCount],
      }
      : {
        sampleCount: d.sampleCount + direct.latencyCount,
        sum: d.sum + direct.latencySumMs * 1000,
        min: Math.min(d.min, meanUs),
        max: Math.max(d.max, meanUs),
        values: [...d.values, meanUs],
        counts: [...d.counts, direct.latencyCount],
      };
  }
  return out;
}

/**
 * Simulates an endpoint up to `t` (a multiple of 10 s) once: writes the metrics of the periods
 * that close at `t` and returns its state (whose `lastMinute` holds the minute ending at `t`
 * when `t` is a whole minute). Calling it again for the same `t` writes nothing. Returns
 * undefined when the endpoint is gone. Runs inside the caller's store transaction.
 *
 * @example Usage
 * ```ts ignore
 * const state = simulateEndpoint(ctx, { endpointName: "my-endpoint", t: now });
 * console.log(state?.lastMinute?.periods["AllTraffic"][0].invocations);
 * ```
 */
export function simulateEndpoint(
  ctx: LocalContext,
  at: { endpointName: string; t: number },
): EndpointSimState | undefined {
  const { endpointName, t } = at;
  const found = findByName<EndpointRecord>(ctx.store, { kind: KIND.endpoint, name: endpointName });
  if (found === undefined) {
    ctx.store.deleteDoc(ENDPOINT_SIM_KIND, endpointName);
    return undefined;
  }
  const endpoint = found.doc;
  const name = endpoint.EndpointName;
  const state: EndpointSimState = ctx.store.getDoc<EndpointSimState>(ENDPOINT_SIM_KIND, name) ??
    { tickedUntil: Math.floor((t - 1) / MINUTE) * MINUTE, carry: {} };
  if (state.tickedUntil >= t) return state;
  const isMinute = t % MINUTE === 0;
  const from = isMinute ? t - MINUTE : t - TICK;
  const zeroWhenIdle = ctx.settings.idleInvocationMetrics !== "none";
  const direct = isMinute ? recordedTraffic(ctx, name, { from: t - MINUTE, to: t }) : [];
  const rows: MetricRow[] = [];
  const minutePeriods: Record<string, FleetPeriod[]> = {};
  const options = {
    timeoutSeconds: ctx.settings.invocationTimeoutSeconds,
    noiseSeed: ctx.settings.noiseSeed,
  };
  for (const v of endpoint.ProductionVariants) {
    const loads = sources(ctx.runtime).flatMap((source) =>
      source(ctx, { endpointName: name, variantName: v.VariantName, from, to: t })
    );
    const load = sumLoads(loads);
    const curve = curveOf(ctx, v.profileKey);
    const carry = state.carry[v.VariantName] ?? { ...NO_CARRY };
    const variant = { endpointName: name, variantName: v.VariantName };
    const span = { load, instances: v.instances, start: from, end: t, options };
    if (!isMinute) {
      if (curve === undefined) continue;
      const hi = integrateFleet({ curve, ...span });
      rows.push(...fleetMetricRows(hi, variant, { standard: false }));
      continue;
    }
    let periods: FleetPeriod[];
    let highResolution: ReturnType<typeof integrateFleet>["highResolution"] = [];
    if (curve === undefined) {
      periods = [emptyFleetPeriod(from)];
    } else {
      const minute = integrateFleet({ curve, ...span, carry });
      state.carry[v.VariantName] = minute.carry;
      periods = minute.periods;
      // The 10 s periods already written by the ticks of this minute are not written again.
      highResolution = minute.highResolution.filter((h) => h.start >= state.tickedUntil);
    }
    const sum = direct.filter((d) => d.VariantName === v.VariantName).reduce((a, d) => ({
      count: a.count + d.count,
      errors: a.errors + d.errors,
      latencySumMs: a.latencySumMs + d.latencySumMs,
      latencyCount: a.latencyCount + d.latencyCount,
    }), { count: 0, errors: 0, latencySumMs: 0, latencyCount: 0 });
    if (sum.count > 0) {
      const instances = Math.max(1, instancesInService(v, t - 1));
      periods = periods.map((p, i) => i === periods.length - 1 ? addDirect(p, sum, instances) : p);
    }
    minutePeriods[v.VariantName] = periods;
    const window = { periods, highResolution, invocationsByInstance: {}, invocations: 0 };
    for (const r of fleetMetricRows({ ...window, carry: NO_CARRY }, variant)) {
      // The fleet model has no 4xx; direct calls with a bad payload do.
      if (r.metricName === "Invocation4XXErrors") r.sum = r.min = r.max = sum.errors;
      rows.push(r);
    }
  }
  const published = zeroWhenIdle
    ? rows
    : rows.filter((r) =>
      !(INVOCATION_METRICS.has(r.metricName) && r.sum === 0 &&
        (r.metricName !== "ConcurrentRequestsPerModel" || r.max === 0))
    );
  ctx.store.putMetrics(published);
  if (isMinute) {
    state.lastMinute = { end: t, periods: minutePeriods };
    forgetTraffic(ctx, name, { before: t - MINUTE });
  }
  state.tickedUntil = t;
  ctx.store.putDoc(ENDPOINT_SIM_KIND, name, state);
  return state;
}

/**
 * Puts an endpoint on the clock: its first tick at the first whole minute after `from` (its
 * InService time). Nothing when `settings.endpointSimulation` is false.
 *
 * @example Usage
 * ```ts ignore
 * startEndpointClock(ctx, { endpointName: "my-endpoint", from: record.pendingUntil });
 * ```
 */
export function startEndpointClock(
  ctx: LocalContext,
  start: { endpointName: string; from: number },
): void {
  const { endpointName, from } = start;
  if (ctx.settings.endpointSimulation === false) return;
  ctx.store.cancelEvents(ENDPOINT_TICK_EVENT, endpointName);
  const first = Math.floor(from / MINUTE) * MINUTE + MINUTE;
  ctx.store.schedule(first, ENDPOINT_TICK_EVENT, endpointName);
}

function onTick(ctx: LocalContext, endpointName: string): void {
  const t = ctx.store.now();
  const record = findByName<EndpointRecord>(ctx.store, { kind: KIND.endpoint, name: endpointName })
    ?.doc;
  if (record === undefined || record.EndpointStatus === "Deleting") {
    ctx.store.deleteDoc(ENDPOINT_SIM_KIND, endpointName);
    return;
  }
  if (SERVING.has(record.EndpointStatus) || (record.pendingUntil ?? Infinity) <= t) {
    simulateEndpoint(ctx, { endpointName, t });
  }
  const step = watchedAtHighResolution(ctx, record.EndpointName) ? TICK : MINUTE;
  ctx.store.schedule(Math.floor(t / step) * step + step, ENDPOINT_TICK_EVENT, endpointName);
}

/**
 * Registers the endpoint tick handler.
 *
 * @example Usage
 * ```ts
 * import { ENDPOINT_TICK_EVENT, registerEndpointClock } from "./endpoint_clock.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import assert from "node:assert/strict";
 * const runtime = new LocalRuntime();
 * registerEndpointClock(runtime);
 * assert.ok(runtime.handlers.has(ENDPOINT_TICK_EVENT));
 * ```
 */
export function registerEndpointClock(runtime: LocalRuntime): void {
  runtime.on(ENDPOINT_TICK_EVENT, (ctx, event) => onTick(ctx, event.ref));
}
