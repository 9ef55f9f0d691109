/**
 * What the `sweep` step reports (`--json`): `{ profile, patterns, candidates, results, pareto,
 * chosen }`, with the settings it used and, for charts, the chosen and baseline timelines.
 *
 * @module
 */
import type { GetScalingConfigurationRecommendationResponse } from "@aws-sdk/client-sagemaker";
import type { CapacityProfile } from "../sim/profile.ts";
import type { Objective } from "../sim/sweep/choose.ts";
import type { RunMinute } from "../sim/sweep/run.ts";
import type { SweepResult } from "../sim/sweep/sweep.ts";
import type { ScalingConfig } from "./scaling_requests.ts";

/** One pattern in the report. */
export interface SweepPatternReport {
  name: string;
  description: string;
  start: string;
  minutes: number;
  totalInvocations: number;
  peakPerMinute: number;
}

/** The scores of one candidate on one pattern, by name. */
export interface SweepResultReport extends Omit<SweepResult, "candidate" | "pattern"> {
  candidate: number;
  label: string;
  pattern: string;
}

/** What {@linkcode sweep} returns (`--json`). */
export interface SweepReport {
  profile: CapacityProfile;
  /** SLO, price and plan the sweep used. */
  settings: {
    sloP99Ms: number;
    pricePerHour: number;
    objective: Objective;
    minAvailability?: number;
    plan: { minCapacity: number; maxCapacity: number; upperLimit: number };
  };
  patterns: SweepPatternReport[];
  candidates: { label: string; config: ScalingConfig; rule?: 40 | 50 | 70 }[];
  results: SweepResultReport[];
  /** Per pattern, the front (candidate indices, cheapest first) and its choice by the objective. */
  pareto: {
    pattern: string;
    front: number[];
    chosen: number;
    reason: string;
    /** The original's rule of thumb placed: each rule candidate's scores and whether it is on the front. */
    rules: {
      rule: 40 | 50 | 70;
      candidate: number;
      cost: number;
      availability: number;
      onFront: boolean;
    }[];
  }[];
  /** The configuration chosen over all patterns. */
  chosen: {
    candidate: number;
    label: string;
    config: ScalingConfig;
    reason: string;
    /** Its scores per pattern. */
    scores: SweepResultReport[];
  };
  /**
   * AWS's `GetScalingConfigurationRecommendation` for the recommend result's job, scored like any
   * candidate (it is `candidates[candidate]`), or why it is missing. Absent when no job was named.
   */
  aws?:
    | {
      jobName: string;
      candidate: number;
      label: string;
      config: ScalingConfig;
      /** The response as the backend gave it. */
      response: GetScalingConfigurationRecommendationResponse;
      scores: SweepResultReport[];
    }
    | { jobName: string; missing: string };
  /** With `timelines`: per pattern, the chosen policy's and the baseline's minutes. */
  timelines?: {
    pattern: string;
    chosen: { label: string; minutes: RunMinute[] };
    baseline: { label: string; minutes: RunMinute[] };
  }[];
}
