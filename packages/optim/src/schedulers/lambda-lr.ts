import type { OptimizerLike } from '../types.js';
import { compileLrLambdas, type LrLambda } from './lr-lambdas.js';
import { LRScheduler } from './lr-scheduler.js';
import { resolveSchedulerOptions } from './resolve-scheduler-options.js';

export interface LambdaLROptions {
  /** An expression in `epoch`, or one per param group. */
  lr_lambda: string | string[];
}

/**
 * lr = initial_lr x lr_lambda(epoch).
 * https://pytorch.org/docs/1.13/generated/torch.optim.lr_scheduler.LambdaLR.html
 */
export class LambdaLR extends LRScheduler {
  readonly type = 'LambdaLR';
  private readonly lrLambdas: LrLambda[];

  constructor(optimizer: OptimizerLike, options: LambdaLROptions) {
    const { lr_lambda } = resolveSchedulerOptions('LambdaLR', options) as unknown as LambdaLROptions;
    const lrLambdas = compileLrLambdas(optimizer, lr_lambda);
    super(optimizer);
    this.lrLambdas = lrLambdas;
    this.initialStep();
  }

  getLr(): number[] {
    return this.baseLrs.map((baseLr, index) => baseLr * this.lrLambdas[index]!(this.lastEpoch));
  }
}
