/**
 * The metric datapoint both the fleet model writes and the local CloudWatch store keeps.
 *
 * @module
 */

/** A metric datapoint as stored (one PutMetricData datum, or one simulated period). */
export interface MetricRow {
  namespace: string;
  metricName: string;
  /** Dimensions, in any order (stored sorted by name). */
  dimensions: { Name: string; Value: string }[];
  /** Epoch milliseconds. */
  timestamp: number;
  unit: string;
  sampleCount: number;
  sum: number;
  min: number;
  max: number;
  /** Distribution of values (PutMetricData `Values`/`Counts`), kept for percentiles. */
  values?: number[];
  counts?: number[];
  /** Storage resolution in seconds: 60 (standard) or 1 (high resolution). */
  storageResolution?: number;
}
