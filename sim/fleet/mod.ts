/**
 * The fleet model (`../shared/spec/simulation-model.md`): how a measured single-instance capacity
 * profile, the variant's instance timeline and a traffic pattern turn into the per-period metrics
 * that CloudWatch alarms and Application Auto Scaling act on.
 *
 * Pure functions over plain data, integrated by events (simulation-model.md §4): the state only
 * changes when the user count changes, an instance comes InService or leaves, or a metric period
 * closes, so one simulated hour is a few hundred constant pieces and no result depends on a step
 * size. Deterministic unless a noise seed is given (§6). Choices the spec leaves open are marked
 * [INF] where they are made.
 *
 * The parts: the profile curve (`curve.ts`), one instance in a closed loop (`instance.ts`),
 * open-loop arrivals (`open_loop.ts`), load over time (`load.ts`), event-wise integration over a
 * window (`integrate.ts`) and the metric rows it becomes (`metric_rows.ts`).
 *
 * @module
 */
export * from "./curve.ts";
export * from "./instance.ts";
export * from "./open_loop.ts";
export * from "./load.ts";
export * from "./integrate.ts";
export * from "./metric_rows.ts";
