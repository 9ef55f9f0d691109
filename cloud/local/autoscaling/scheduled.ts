/**
 * Scheduled actions: PutScheduledAction (schedule and timezone checked with `sim/schedule.ts`)
 * and the ScheduledAction output shape.
 *
 * @module
 */
import { InvalidScheduleError, parseSchedule } from "../../../sim/schedule.ts";
import { InvalidTimezoneError, validateTimezone } from "../../../sim/timezone.ts";
import type { LocalContext } from "../kernel/context.ts";
import { scheduleNextFire } from "./events.ts";
import {
  AAS_KIND,
  aasError,
  childKey,
  scheduledActionArn,
  type ScheduledActionRecord,
  targetDocId,
  validationException,
} from "./records.ts";
import {
  checkCapacity,
  checkRef,
  MAX_SCHEDULED_ACTIONS_PER_TARGET,
  notNull,
  requireTarget,
} from "./validate.ts";
import type * as aas from "@aws-sdk/client-application-auto-scaling";
import type {
  PutScheduledActionRequest,
  ScheduledAction,
} from "@aws-sdk/client-application-auto-scaling";

export function putScheduledAction(ctx: LocalContext, input: PutScheduledActionRequest): void {
  notNull(input.ScheduledActionName, "scheduledActionName");
  const ref = checkRef(input, "PutScheduledAction");
  const bounds = input.ScalableTargetAction;
  checkCapacity(bounds?.MinCapacity, "scalableTargetAction.minCapacity");
  checkCapacity(bounds?.MaxCapacity, "scalableTargetAction.maxCapacity");
  if (
    bounds?.MinCapacity !== undefined && bounds.MaxCapacity !== undefined &&
    bounds.MinCapacity > bounds.MaxCapacity
  ) {
    throw validationException(
      `Minimum capacity (${bounds.MinCapacity}) cannot be greater than maximum capacity (${bounds.MaxCapacity})`,
    );
  }
  if (bounds?.MinCapacity !== undefined && bounds.MinCapacity < 1) {
    throw validationException(
      `The minimum capacity of a SageMaker endpoint variant is 1, got ${bounds.MinCapacity}: only inference components scale to 0`,
    );
  }
  ctx.store.tx(() => {
    requireTarget(ctx, ref);
    const name = input.ScheduledActionName!;
    const id = childKey(ref, name);
    const previous = ctx.store.getDoc<ScheduledActionRecord>(AAS_KIND.scheduledAction, id);
    const schedule = input.Schedule ?? previous?.Schedule;
    if (schedule === undefined) {
      throw validationException("Schedule is required when creating a scheduled action");
    }
    const timezone = input.Timezone ?? previous?.Timezone;
    try {
      parseSchedule(schedule);
      if (timezone !== undefined) validateTimezone(timezone);
    } catch (error) {
      if (error instanceof InvalidScheduleError || error instanceof InvalidTimezoneError) {
        throw validationException(error.message);
      }
      throw error;
    }
    const start = input.StartTime?.getTime() ?? previous?.StartTime;
    const end = input.EndTime?.getTime() ?? previous?.EndTime;
    if (start !== undefined && end !== undefined && start > end) {
      throw validationException("StartTime must be before EndTime");
    }
    if (previous === undefined) {
      const count = ctx.store.listDocs(AAS_KIND.scheduledAction, `${targetDocId(ref)}/`).length;
      if (count >= MAX_SCHEDULED_ACTIONS_PER_TARGET) {
        throw aasError(
          "LimitExceededException",
          `A scalable target can have at most ${MAX_SCHEDULED_ACTIONS_PER_TARGET} scheduled actions: delete one before adding "${name}"`,
          400,
        );
      }
    }
    const record: ScheduledActionRecord = {
      ...ref,
      ScheduledActionName: name,
      ScheduledActionARN: previous?.ScheduledActionARN ?? scheduledActionArn(ctx, { ref, name }),
      Schedule: schedule,
      CreationTime: previous?.CreationTime ?? ctx.store.now(),
    };
    if (timezone !== undefined) record.Timezone = timezone;
    if (start !== undefined) record.StartTime = start;
    if (end !== undefined) record.EndTime = end;
    const action = bounds ?? previous?.ScalableTargetAction;
    if (action !== undefined) {
      record.ScalableTargetAction = {};
      if (action.MinCapacity !== undefined) {
        record.ScalableTargetAction.MinCapacity = action.MinCapacity;
      }
      if (action.MaxCapacity !== undefined) {
        record.ScalableTargetAction.MaxCapacity = action.MaxCapacity;
      }
    }
    scheduleNextFire(ctx, { id, action: record, after: ctx.store.now() });
  });
}

export function toScheduledAction(a: ScheduledActionRecord): ScheduledAction {
  const out: ScheduledAction = {
    ScheduledActionName: a.ScheduledActionName,
    ScheduledActionARN: a.ScheduledActionARN,
    ServiceNamespace: a.ServiceNamespace as aas.ServiceNamespace,
    Schedule: a.Schedule,
    ResourceId: a.ResourceId,
    ScalableDimension: a.ScalableDimension as aas.ScalableDimension,
    CreationTime: new Date(a.CreationTime),
  };
  if (a.Timezone !== undefined) out.Timezone = a.Timezone;
  if (a.StartTime !== undefined) out.StartTime = new Date(a.StartTime);
  if (a.EndTime !== undefined) out.EndTime = new Date(a.EndTime);
  if (a.ScalableTargetAction !== undefined) {
    out.ScalableTargetAction = { ...a.ScalableTargetAction };
  }
  return out;
}
