import type { JsonSchema } from '@hypersweep/optim';

/**
 * What the spec needs to know about a workload (a model plus its data). The trainer owns the
 * workloads; the API passes their descriptions in, so this package does not depend on it.
 */
export interface WorkloadInfo {
  name: string;
  description: string;
  /** Option name -> JSON Schema with `default` and `description`. */
  options: Record<string, JsonSchema>;
  /** Names of the model's parameter groups that `param_groups` entries may name (may be empty). */
  paramGroups: string[];
  /** Whether the workload has a validation set (val_loss, val_accuracy). */
  hasValidation: boolean;
  /** Number of training examples for these options (defaults filled): gives the batches per epoch. */
  trainExamples(options: Record<string, unknown>): number;
}

/**
 * Batches in one epoch: the last, partial batch counts, as with torch's DataLoader
 * (drop_last=False). https://pytorch.org/docs/1.13/data.html#torch.utils.data.DataLoader
 */
export function batchesPerEpoch(trainExamples: number, batchSize: number): number {
  return Math.ceil(trainExamples / batchSize);
}
