import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from '../errors.js';
import { Args } from './args.js';
import { registerNnGradients } from './gradients.js';
import type { ResolvedLoss } from './types.js';

type CustomGradArgs = Array<tf.Tensor | tf.GradSaveFunc>;

export interface Loss {
  /** The loss (reduction 'mean' or 'sum'), differentiable with respect to `output`. */
  loss(output: tf.Tensor, target: tf.Tensor): tf.Scalar;
  /** CrossEntropyLoss: arg-max == class over the rows not ignored; BCEWithLogitsLoss: (logit > 0) == label. */
  accuracy?(output: tf.Tensor, target: tf.Tensor): tf.Scalar;
}

/**
 * An element-wise loss with its gradient given in closed form (torch's backward formula), reduced by mean or sum.
 * `value(d)` and `slope(d)` take the difference output - target.
 */
function elementwise(
  reduction: 'mean' | 'sum',
  value: (diff: tf.Tensor) => tf.Tensor,
  slope: (diff: tf.Tensor) => tf.Tensor,
): Loss {
  return {
    loss(output, target) {
      const diff = tf.sub(output, target);
      return tf.customGrad((...args: CustomGradArgs) => {
        const [d, save] = args as [tf.Tensor, tf.GradSaveFunc];
        save([d]);
        const total = tf.sum(value(d));
        return {
          value: reduction === 'mean' ? tf.div(total, d.size) : total,
          gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
            tf.mul(slope(saved!), reduction === 'mean' ? tf.div(dy, saved!.size) : dy),
        };
      })(diff) as tf.Scalar;
    },
  };
}

function reduced(values: tf.Tensor, reduction: 'mean' | 'sum'): tf.Scalar {
  return (reduction === 'mean' ? tf.mean(values) : tf.sum(values)) as tf.Scalar;
}

/**
 * torch.nn.CrossEntropyLoss with class indices (int32 [N], or [N, d...] for output [N, C, d...]), weight,
 * ignore_index, reduction and label_smoothing, as torch 1.13's cross_entropy: (1 - ε) nll + ε / C * smooth,
 * where smooth is -Σ_c weight_c log p_c per row and both parts of a 'mean' share nll's denominator (Σ weight of
 * the targets not ignored, or their count).
 */
function crossEntropy(args: Args): Loss {
  const weight = args.numbersOrNull('weight');
  const ignoreIndex = args.integer('ignore_index');
  const reduction = args.oneOf('reduction', ['mean', 'sum']);
  const smoothing = args.number('label_smoothing');
  /** output [N, C, d...] -> rows [M, C] and target -> [M]. */
  const rows = (output: tf.Tensor, target: tf.Tensor): [tf.Tensor2D, tf.Tensor1D] => {
    const classes = output.shape[1]!;
    const moved =
      output.rank > 2 ? tf.transpose(output, [0, ...output.shape.slice(2).map((_, i) => i + 2), 1]) : output;
    return [tf.reshape(moved, [-1, classes]), tf.reshape(tf.cast(target, 'int32'), [-1])];
  };
  return {
    loss(output, target) {
      const [logits, classes] = rows(output, target);
      const count = logits.shape[1];
      if (weight !== null && weight.length !== count)
        throw new TrainerError(`CrossEntropyLoss: weight has ${weight.length} entries for ${count} classes`);
      const kept = tf.notEqual(classes, ignoreIndex);
      const logP = tf.logSoftmax(logits);
      const classWeights = weight === null ? null : tf.tensor1d(weight);
      // The target's weight for each row (zero where ignored) spread over its class.
      let picks = tf.mul(
        tf.cast(tf.oneHot(tf.where(kept, classes, tf.zerosLike(classes)), count), 'float32'),
        tf.expandDims(tf.cast(kept, 'float32'), 1),
      );
      if (classWeights !== null) picks = tf.mul(picks, classWeights);
      const nll = tf.neg(tf.sum(tf.mul(picks, logP)));
      const denominator = tf.sum(picks);
      let total: tf.Tensor = nll;
      if (smoothing > 0) {
        const perClass = classWeights === null ? logP : tf.mul(logP, classWeights);
        const smooth = tf.neg(tf.sum(tf.mul(tf.sum(perClass, 1), tf.cast(kept, 'float32'))));
        total = tf.add(tf.mul(1 - smoothing, nll), tf.mul(smoothing / count, smooth));
      }
      return (reduction === 'mean' ? tf.div(total, denominator) : total) as tf.Scalar;
    },
    accuracy(output, target) {
      const [logits, classes] = rows(output, target);
      const kept = tf.cast(tf.notEqual(classes, ignoreIndex), 'float32');
      const hits = tf.mul(tf.cast(tf.equal(tf.argMax(logits, 1), classes), 'float32'), kept);
      return tf.div(tf.sum(hits), tf.sum(kept)) as tf.Scalar;
    },
  };
}

/**
 * torch.nn.BCEWithLogitsLoss: torch 1.13's stable form, (1 - y) x + (1 + (pw - 1) y) (log(e^-m + e^(-x-m)) + m)
 * with m = max(-x, 0), times weight; its gradient is torch's closed form ((pw y + 1 - y) sigmoid(x) - pw y) weight.
 * weight and pos_weight broadcast over the trailing (class) dimension, as in torch.
 */
function bceWithLogits(args: Args): Loss {
  const weight = args.numbersOrNull('weight');
  const posWeight = args.numbersOrNull('pos_weight');
  const reduction = args.oneOf('reduction', ['mean', 'sum']);
  return {
    loss(output, target) {
      const y = tf.cast(target, 'float32');
      const w = weight === null ? null : tf.tensor1d(weight);
      const pw = posWeight === null ? null : tf.tensor1d(posWeight);
      return tf.customGrad((...inputs: CustomGradArgs) => {
        const [x, save] = inputs as [tf.Tensor, tf.GradSaveFunc];
        // Only saved tensors outlive the forward pass (tf.variableGrads frees the rest before backprop).
        save([x, y, ...(w === null ? [] : [w]), ...(pw === null ? [] : [pw])]);
        const m = tf.relu(tf.neg(x));
        const logTerm = tf.add(tf.log(tf.add(tf.exp(tf.neg(m)), tf.exp(tf.sub(tf.neg(x), m)))), m);
        const logWeight = pw === null ? null : tf.add(tf.mul(tf.sub(pw, 1), y), 1);
        let loss = tf.add(tf.mul(tf.sub(1, y), x), logWeight === null ? logTerm : tf.mul(logWeight, logTerm));
        if (w !== null) loss = tf.mul(loss, w);
        return {
          value: reduced(loss, reduction),
          gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => {
            const [saved, labels] = [kept[0]!, kept[1]!];
            const savedW = w === null ? null : kept[2]!;
            const savedPw = pw === null ? null : kept[w === null ? 2 : 3]!;
            const sigmoid = tf.sigmoid(saved);
            let grad =
              savedPw === null
                ? tf.sub(sigmoid, labels)
                : (() => {
                    const t = tf.mul(savedPw, labels);
                    return tf.sub(tf.mul(tf.sub(tf.add(t, 1), labels), sigmoid), t);
                  })();
            if (savedW !== null) grad = tf.mul(grad, savedW);
            return tf.mul(grad, reduction === 'mean' ? tf.div(dy, saved.size) : dy);
          },
        };
      })(output) as tf.Scalar;
    },
    accuracy(output, target) {
      return tf.mean(
        tf.cast(tf.equal(tf.greater(output, 0), tf.greater(target, 0.5)), 'float32'),
      ) as tf.Scalar;
    },
  };
}

/** The torch.nn loss of a resolved loss config. target: int32 class indices for CrossEntropyLoss, floats otherwise. */
export function buildLoss(loss: ResolvedLoss): Loss {
  registerNnGradients();
  const args = new Args(loss, loss.type);
  switch (loss.type) {
    case 'CrossEntropyLoss':
      return crossEntropy(args);
    case 'BCEWithLogitsLoss':
      return bceWithLogits(args);
    case 'MSELoss':
      return elementwise(args.oneOf('reduction', ['mean', 'sum']), tf.square, (d) => tf.mul(d, 2));
    case 'L1Loss':
      // torch's gradient of |d| is sign(d): 0 at d = 0 (tfjs's Abs gradient gives -1 there).
      return elementwise(args.oneOf('reduction', ['mean', 'sum']), tf.abs, tf.sign);
    case 'SmoothL1Loss': {
      const beta = args.number('beta');
      const reduction = args.oneOf('reduction', ['mean', 'sum']);
      // torch 1.13's smooth_l1_backward: -1 where d <= -beta, 1 where d >= beta, d / beta between (so with
      // beta 0 a zero difference gets -1, unlike L1Loss's sign).
      if (beta === 0)
        return elementwise(reduction, tf.abs, (d) =>
          tf.where(tf.lessEqual(d, 0), tf.fill(d.shape, -1), tf.onesLike(d)),
        );
      return elementwise(
        reduction,
        (d) => {
          const a = tf.abs(d);
          return tf.where(tf.less(a, beta), tf.div(tf.mul(0.5, tf.square(d)), beta), tf.sub(a, 0.5 * beta));
        },
        (d) => tf.clipByValue(tf.div(d, beta), -1, 1),
      );
    }
    case 'HuberLoss': {
      const delta = args.number('delta');
      return elementwise(
        args.oneOf('reduction', ['mean', 'sum']),
        (d) => {
          const a = tf.abs(d);
          return tf.where(
            tf.less(a, delta),
            tf.mul(0.5, tf.square(d)),
            tf.mul(delta, tf.sub(a, 0.5 * delta)),
          );
        },
        (d) => tf.clipByValue(d, -delta, delta),
      );
    }
    default:
      throw new TrainerError(`unknown loss "${loss.type}"`);
  }
}
