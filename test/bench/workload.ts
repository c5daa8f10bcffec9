import type { DeploymentConfig } from './deployment.js';
import type { Measurement } from './measurement.js';

/** Parameters from the command line; a workload applies its own default to what is unset. */
export interface RunParams {
  deployment: DeploymentConfig;
  /** Timed rounds (the median is reported). */
  rounds?: number;
  /** Tasks per round (W1, W2, W4). */
  tasks?: number;
  /** Fire times per expression (W3). */
  fires?: number;
  /** Skip the untimed warm-up rounds. */
  noWarmup: boolean;
}

/** What a workload hands back: rows for the table, and anything else worth keeping in results.json. */
export interface WorkloadResult {
  measurements: Measurement[];
  details: Record<string, unknown>;
}

export interface Workload {
  /** Short id used by `--only` (w1, w2, …). */
  id: string;
  title: string;
  /** Whether it runs on several instances (`--instances`); the others measure one engine. */
  multiInstance?: boolean;
  run(params: RunParams): Promise<WorkloadResult>;
}
