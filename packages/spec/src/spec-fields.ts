import type { JsonSchema } from '@hypersweep/optim';
import {
  defaultObjectiveMetric,
  objectiveMetrics,
  objectiveModes,
  trainerMetricPattern,
} from './objective.js';

/**
 * The JSON Schemas of the spec's own fields, shared by the validator (which reports against
 * them) and the TypeBox schema that documents the API, so the two cannot disagree.
 */

/** A grid larger than this is refused unless the API is configured otherwise (MAX_TRIALS). */
export const DEFAULT_MAX_TRIALS = 10_000;

/**
 * One epoch of batches of 64: the batch size of the classic PyTorch MNIST examples, and one
 * epoch so an unconfigured sweep finishes quickly.
 */
export const DEFAULT_TRAINING = { epochs: 1, batchSize: 64 } as const;

export const trainingFieldSchemas: Record<string, JsonSchema> = {
  epochs: {
    type: 'integer',
    minimum: 1,
    maximum: 100_000,
    default: DEFAULT_TRAINING.epochs,
    description: 'Passes over the training set.',
  },
  batchSize: {
    type: 'integer',
    minimum: 1,
    maximum: 65_536,
    default: DEFAULT_TRAINING.batchSize,
    description: 'Examples per optimizer step; the last batch of an epoch may be smaller.',
  },
  maxSteps: {
    type: 'integer',
    minimum: 1,
    maximum: 1_000_000_000,
    description: 'Stop after this many optimizer steps even if epochs remain.',
  },
};

export const objectiveFieldSchemas: Record<string, JsonSchema> = {
  metric: {
    type: 'string',
    pattern: trainerMetricPattern.source,
    default: defaultObjectiveMetric(true),
    examples: [...objectiveMetrics, 'val_bleu'],
    description: `What the leaderboard ranks by, pruners judge and ReduceLROnPlateau monitors: one of ${objectiveMetrics.join(', ')} (train_loss is the default for workloads without a validation set). A sweep whose trials train outside the service ("workload": {"external": ...}) may name a metric its trainer reports with its epochs, such as val_bleu; it then sets "mode" too.`,
  },
  mode: {
    type: 'string',
    enum: objectiveModes,
    description:
      "Whether smaller or larger is better; defaults to max for accuracy, min for losses; required for a trainer's own metric.",
  },
};

export const seedSchema: JsonSchema = {
  type: 'integer',
  minimum: 0,
  maximum: 4_294_967_295,
  description: 'Seed of a trial: initial weights and data order.',
};

export const nameSchema: JsonSchema = {
  type: 'string',
  maxLength: 200,
  description: 'A name for people; defaults to the workload and optimizer types.',
};

export const intervalSchema: JsonSchema = {
  type: 'string',
  enum: ['step', 'epoch'],
  description:
    'When scheduler.step() runs: after every optimizer step or after every epoch. Default "step" for OneCycleLR and CyclicLR, else "epoch".',
};

/** Top-level fields of a sweep spec, in the order they are documented. */
export const specFields = [
  'name',
  'workload',
  'training',
  'optimizers',
  'schedulers',
  'seeds',
  'objective',
  'search',
  'pruner',
] as const;

/**
 * Early stopping of unpromising trials, as Optuna's MedianPruner
 * (https://optuna.readthedocs.io/en/stable/reference/generated/optuna.pruners.MedianPruner.html):
 * a trial stops ("pruned") when its best objective value so far is worse than the median of the
 * completed trials' values at the same epoch. Optuna's option names; a "step" is an epoch here.
 */
export const prunerTypes = ['MedianPruner'] as const;

export const prunerFieldSchemas: Record<string, JsonSchema> = {
  type: { type: 'string', enum: prunerTypes, description: 'The pruning rule.' },
  n_startup_trials: {
    type: 'integer',
    minimum: 0,
    maximum: 1_000_000,
    default: 5,
    description: 'No trial is pruned until this many trials of the sweep have completed.',
  },
  n_warmup_steps: {
    type: 'integer',
    minimum: 0,
    maximum: 1_000_000,
    default: 0,
    description: 'A trial is not pruned before this epoch (epochs count from 0).',
  },
  interval_steps: {
    type: 'integer',
    minimum: 1,
    maximum: 1_000_000,
    default: 1,
    description: 'Epochs between pruning checks, counted from n_warmup_steps.',
  },
};
