/**
 * Direct traffic to a local endpoint (InvokeEndpoint calls), recorded at the simulated clock.
 *
 * Each call is counted into the simulated minute it falls in, per endpoint and variant; the
 * endpoint simulation adds a minute's recorded traffic to the traffic of running jobs when it
 * publishes that minute's `AWS/SageMaker` metrics (`Invocations`, `InvocationsPerInstance`,
 * `ModelLatency`, `Invocation4XXErrors`), which is how CloudWatch counts them on AWS
 * (`../shared/spec/autoscaling.md` §1: InvocationsPerInstance counts every invocation sent to the
 * variant, whatever its source).
 *
 * @module
 */
import type { LocalContext } from "../kernel/context.ts";

/** Store kind of one minute's recorded direct traffic (id: endpoint/variant/minute). */
export const TRAFFIC_KIND = "sagemaker-endpoint-traffic";

const MINUTE_MS = 60_000;

/** Invocations of one variant recorded within one simulated minute. */
export interface TrafficMinute {
  EndpointName: string;
  VariantName: string;
  /** Start of the minute, epoch ms of the simulated clock. */
  minute: number;
  /** Invocations in the minute (errors included). */
  count: number;
  /** Invocations among {@linkcode count} that failed with a 4xx (ModelError, bad payload). */
  errors: number;
  /** Sum of the model latencies (ms) of the calls that gave one, for the minute's average. */
  latencySumMs: number;
  /** Calls that gave a latency. */
  latencyCount: number;
}

/** What {@linkcode recordInvocations} is told about a batch of calls. */
export interface RecordInvocationsInput {
  /** The endpoint invoked. */
  endpointName: string;
  /** The variant that served the calls. */
  variantName: string;
  /** When the calls were made (simulated clock). */
  at: Date;
  /** How many calls (errors included); an integer >= 0. */
  count: number;
  /**
   * How many of them failed with a 4xx.
   * @default {0}
   */
  errors?: number;
  /** Model latency of each call, in milliseconds; leave out when the model did not answer. */
  latencyMs?: number;
}

function trafficId(endpointName: string, variantName: string, minute: number): string {
  return `${endpointName}/${variantName}/${String(minute).padStart(15, "0")}`;
}

/**
 * Records `count` direct invocations of an endpoint's variant at the simulated time `at`.
 *
 * @example Usage
 * ```ts
 * import { recordInvocations, recordedTraffic } from "./endpoint_traffic.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1",
 *   account: "000000000000", runtime: new LocalRuntime() };
 * const at = new Date(Date.UTC(2026, 0, 1, 0, 0, 30));
 * recordInvocations(ctx, { endpointName: "ep", variantName: "AllTraffic", at, count: 2, latencyMs: 4 });
 * recordInvocations(ctx, { endpointName: "ep", variantName: "AllTraffic", at, count: 1, errors: 1 });
 * const [m] = recordedTraffic(ctx, "ep", { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 1, 0, 1) });
 * assert.equal(m.count, 3);
 * assert.equal(m.errors, 1);
 * assert.equal(m.latencySumMs / m.latencyCount, 4);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function recordInvocations(ctx: LocalContext, input: RecordInvocationsInput): void {
  const { endpointName, variantName, at, count } = input;
  const errors = input.errors ?? 0;
  if (!(Number.isInteger(count) && count >= 0)) {
    throw new RangeError(`Cannot record invocations: count (${count}) must be an integer >= 0`);
  }
  if (!(Number.isInteger(errors) && errors >= 0 && errors <= count)) {
    throw new RangeError(
      `Cannot record invocations: errors (${errors}) must be an integer between 0 and count (${count})`,
    );
  }
  const t = at.getTime();
  if (!Number.isFinite(t)) {
    throw new RangeError("Cannot record invocations: 'at' is not a valid date");
  }
  if (count === 0) return;
  const minute = Math.floor(t / MINUTE_MS) * MINUTE_MS;
  const id = trafficId(endpointName, variantName, minute);
  const { store } = ctx;
  store.tx(() => {
    const old = store.getDoc<TrafficMinute>(TRAFFIC_KIND, id);
    const doc: TrafficMinute = old ?? {
      EndpointName: endpointName,
      VariantName: variantName,
      minute,
      count: 0,
      errors: 0,
      latencySumMs: 0,
      latencyCount: 0,
    };
    const withLatency = input.latencyMs === undefined ? 0 : count - errors;
    store.putDoc(TRAFFIC_KIND, id, {
      ...doc,
      count: doc.count + count,
      errors: doc.errors + errors,
      latencySumMs: doc.latencySumMs + (input.latencyMs ?? 0) * withLatency,
      latencyCount: doc.latencyCount + withLatency,
    });
  });
}

/**
 * The recorded direct traffic of an endpoint (all variants) in minutes starting in [`from`, `to`),
 * oldest first.
 */
export function recordedTraffic(
  ctx: LocalContext,
  endpointName: string,
  options: { from: number; to: number },
): TrafficMinute[] {
  return ctx.store.peekDocs<TrafficMinute>(TRAFFIC_KIND, `${endpointName}/`)
    .map((d) => d.doc)
    .filter((m) =>
      m.EndpointName === endpointName && m.minute >= options.from && m.minute < options.to
    )
    .sort((a, b) => a.minute - b.minute);
}

/** Forgets the recorded traffic of an endpoint in minutes before `before` (all of it by default). */
export function forgetTraffic(
  ctx: LocalContext,
  endpointName: string,
  options: { before?: number } = {},
): void {
  const before = options.before ?? Infinity;
  for (const { id, doc } of ctx.store.peekDocs<TrafficMinute>(TRAFFIC_KIND, `${endpointName}/`)) {
    if (doc.EndpointName === endpointName && doc.minute < before) {
      ctx.store.deleteDoc(TRAFFIC_KIND, id);
    }
  }
}
