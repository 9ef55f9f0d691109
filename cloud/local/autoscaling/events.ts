/**
 * The simulation events of the local Application Auto Scaling: scheduled actions firing (and the
 * next fire queued), min/max enforcement retried once the endpoint is InService, and the
 * registration of these with the policy invocations that alarms send (`engine.ts`).
 *
 * @module
 */
import { nextFireTime } from "../../../sim/schedule.ts";
import { SCALING_POLICY_INVOCATION_EVENT } from "../cloudwatch/mod.ts";
import type { LocalContext, LocalRuntime } from "../kernel/context.ts";
import type { SimEvent } from "../kernel/store/mod.ts";
import { BOUNDS_EVENT, enforceBounds, onInvocation, SCHEDULED_ACTION_EVENT } from "./engine.ts";
import {
  AAS_KIND,
  getTarget,
  recordActivity,
  type ScheduledActionRecord,
  targetDocId,
  type TargetRecord,
} from "./records.ts";

function describeBounds(action: { MinCapacity?: number; MaxCapacity?: number }): string {
  const parts: string[] = [];
  if (action.MinCapacity !== undefined) parts.push(`min capacity to ${action.MinCapacity}`);
  if (action.MaxCapacity !== undefined) parts.push(`max capacity to ${action.MaxCapacity}`);
  return parts.join(" and ");
}

/** Applies a scheduled action's bounds to its target now (spec §4). */
function applyScheduledAction(
  ctx: LocalContext,
  target: TargetRecord,
  action: ScheduledActionRecord,
): void {
  const bounds = action.ScalableTargetAction ?? {};
  if (bounds.MinCapacity === undefined && bounds.MaxCapacity === undefined) return;
  const min = bounds.MinCapacity ?? target.MinCapacity;
  const max = bounds.MaxCapacity ?? target.MaxCapacity;
  const what = describeBounds(bounds);
  const cause = `scheduled action name ${action.ScheduledActionName} was triggered`;
  if (min > max) {
    recordActivity(ctx, {
      ref: target,
      fields: {
        Description: `Setting ${what}`,
        Cause: cause,
        StatusCode: "Failed",
        StatusMessage:
          `Failed to set ${what}: the minimum capacity (${min}) would be above the maximum capacity (${max})`,
      },
    });
    return;
  }
  const updated: TargetRecord = { ...target, MinCapacity: min, MaxCapacity: max };
  ctx.store.putDoc(AAS_KIND.target, targetDocId(target), updated);
  recordActivity(ctx, {
    ref: target,
    fields: {
      Description: `Setting ${what}`,
      Cause: cause,
      StatusCode: "Successful",
      StatusMessage: `Successfully set ${what}`,
    },
  });
  enforceBounds(ctx, updated);
}

/**
 * Queues a scheduled action's next firing after `after` (none when its schedule has ended).
 * Returns the updated record (stored).
 *
 * @example Usage
 * ```ts
 * import { SCHEDULED_ACTION_EVENT } from "./engine.ts";
 * import { scheduleNextFire } from "./events.ts";
 * import { Store } from "../kernel/store/mod.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import { DEFAULT_LOCAL_SETTINGS } from "../kernel/settings.ts";
 * import assert from "node:assert/strict";
 * const dir = await Deno.makeTempDir();
 * const store = Store.open(dir);
 * const ctx = { store, settings: DEFAULT_LOCAL_SETTINGS, region: "us-east-1", account: "000000000000",
 *   runtime: new LocalRuntime() };
 * const action = { ServiceNamespace: "sagemaker", ResourceId: "endpoint/ep/variant/v",
 *   ScalableDimension: "sagemaker:variant:DesiredInstanceCount", ScheduledActionName: "a",
 *   ScheduledActionARN: "arn", Schedule: "rate(5 minutes)", CreationTime: 0 };
 * const next = scheduleNextFire(ctx, { id: "id", action, after: 0 });
 * assert.equal(next.nextFire, 300_000);
 * assert.deepEqual(store.listEvents(SCHEDULED_ACTION_EVENT).map((e) => e.due), [300_000]);
 * store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function scheduleNextFire(
  ctx: LocalContext,
  fire: { id: string; action: ScheduledActionRecord; after: number },
): ScheduledActionRecord {
  const { id, action, after } = fire;
  ctx.store.cancelEvents(SCHEDULED_ACTION_EVENT, id);
  const next = nextFireTime(
    action.Schedule,
    after,
    action.Timezone ?? "UTC",
    action.StartTime,
    action.EndTime,
  );
  const updated: ScheduledActionRecord = { ...action };
  if (next === undefined) delete updated.nextFire;
  else {
    updated.nextFire = next;
    ctx.store.schedule(next, SCHEDULED_ACTION_EVENT, id);
  }
  ctx.store.putDoc(AAS_KIND.scheduledAction, id, updated);
  return updated;
}

function onScheduledAction(ctx: LocalContext, event: SimEvent): void {
  const action = ctx.store.getDoc<ScheduledActionRecord>(AAS_KIND.scheduledAction, event.ref);
  if (action === undefined) return;
  const target = getTarget(ctx, action);
  if (target !== undefined && !target.SuspendedState.ScheduledScalingSuspended) {
    try {
      ctx.store.tx(() => applyScheduledAction(ctx, target, action));
    } catch (error) {
      // The schedule goes on even if this firing failed.
      console.error(
        `local backend: scheduled action "${action.ScheduledActionName}" failed: ${
          (error as Error).message
        }`,
      );
    }
  }
  scheduleNextFire(ctx, { id: event.ref, action, after: ctx.store.now() });
}

function onBoundsRetry(ctx: LocalContext, event: SimEvent): void {
  const target = ctx.store.getDoc<TargetRecord>(AAS_KIND.target, event.ref);
  if (target !== undefined) enforceBounds(ctx, target);
}

/**
 * Registers the local Application Auto Scaling's simulation events: alarm invocations of
 * scaling policies, scheduled actions, and min/max enforcement retries.
 *
 * @example Usage
 * ```ts
 * import { registerAutoScalingEvents } from "./events.ts";
 * import { SCHEDULED_ACTION_EVENT } from "./engine.ts";
 * import { SCALING_POLICY_INVOCATION_EVENT } from "../cloudwatch/mod.ts";
 * import { LocalRuntime } from "../kernel/context.ts";
 * import assert from "node:assert/strict";
 * const runtime = new LocalRuntime();
 * registerAutoScalingEvents(runtime);
 * assert.ok(runtime.handlers.has(SCALING_POLICY_INVOCATION_EVENT));
 * assert.ok(runtime.handlers.has(SCHEDULED_ACTION_EVENT));
 * ```
 */
export function registerAutoScalingEvents(runtime: LocalRuntime): void {
  runtime.on(SCALING_POLICY_INVOCATION_EVENT, onInvocation);
  runtime.on(SCHEDULED_ACTION_EVENT, onScheduledAction);
  runtime.on(BOUNDS_EVENT, onBoundsRetry);
}
