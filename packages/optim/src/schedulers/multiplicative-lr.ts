import type { OptimizerLike } from '../types.js';
import { compileLrLambdas, type LrLambda } from './lr-lambdas.js';
import { LRScheduler } from './lr-scheduler.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';

export interface MultiplicativeLROptions {
  /** An expression in `epoch`, or one per param group. */
  lr_lambda: string | string[];
}

/**
 * Multiplies each group's lr by lr_lambda(epoch) at every epoch after the first.
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.MultiplicativeLR.html
 */
export class MultiplicativeLR extends LRScheduler {
  readonly type = 'MultiplicativeLR';
  private readonly lrLambdas: LrLambda[];

  constructor(optimizer: OptimizerLike, options: MultiplicativeLROptions) {
    const { lr_lambda } = resolveSchedulerOptions(
      'MultiplicativeLR',
      options,
    ) as unknown as MultiplicativeLROptions;
    const lrLambdas = compileLrLambdas(optimizer, lr_lambda);
    super(optimizer);
    this.lrLambdas = lrLambdas;
    this.initialStep();
  }

  getLr(): number[] {
    if (this.lastEpoch > 0) {
      return this.groupLrs().map((lr, index) => lr * this.lrLambdas[index]!(this.lastEpoch));
    }
    return this.groupLrs();
  }
}
