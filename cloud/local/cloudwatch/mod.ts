/**
 * The local CloudWatch: metrics (`metrics.ts`: PutMetricData, GetMetricData,
 * GetMetricStatistics, ListMetrics) and alarms (`alarms.ts`: PutMetricAlarm and its validation;
 * `alarm_engine.ts`: evaluation on the simulated clock and the actions it runs;
 * `alarm_series.ts`: the evaluation window and the metric series the alarms follow;
 * `alarm_handlers.ts`: the other alarm operations and their outputs; `alarm_records.ts`: what
 * the store keeps). This file is the service's handler table and what other local services
 * may use of it.
 *
 * @module
 */
import type { HandlerMap } from "../kernel/dispatch.ts";
import { cloudWatchAlarmHandlers } from "./alarm_handlers.ts";
import { cloudWatchMetricHandlers } from "./metrics.ts";

export {
  ALARM_ACTION_STATE_KIND,
  ALARM_EVALUATION_EVENT,
  ALARM_HISTORY_KIND,
  ALARM_KIND,
  ALARM_REASON_DATA_KIND,
  type AlarmActionState,
  type AlarmRecord,
  allActions,
  getAlarm,
  isScalingPolicyArn,
  recordAlarmHistory,
  SCALING_POLICY_INVOCATION_EVENT,
  type ScalingPolicyInvocation,
} from "./alarm_records.ts";
export { putMetricAlarm } from "./alarms.ts";
export { alarmWindow } from "./alarm_series.ts";
export {
  alarmDatapoints,
  deleteAlarms,
  registerAlarmEvents,
  removeAlarmActions,
} from "./alarm_engine.ts";
export { cloudWatchAlarmHandlers } from "./alarm_handlers.ts";
export { cloudWatchMetricHandlers } from "./metrics.ts";

/** Every CloudWatch operation the local backend implements: metrics and alarms. */
export const cloudWatchHandlers: HandlerMap = {
  ...cloudWatchMetricHandlers,
  ...cloudWatchAlarmHandlers,
};
