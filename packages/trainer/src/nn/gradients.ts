import { registerGradients } from '@hypersweep/optim';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Gradients of the kernels the layers and losses use beyond those @hypersweep/optim registers
 * (registerGradients: tfjs-core's Node bundle registers none). They follow tfjs's own definitions
 * (tfjs-core/src/gradients/*_grad.ts). Comparisons, arg-max and one-hot get zero gradients: they sit on the
 * path from an input to the loss (the condition of a `where`, a max pool's detached mask) and tfjs's
 * backpropagation refuses a kernel on that path without one. A kernel that already has a gradient keeps it.
 */
type GradFunc = (
  dy: tf.Tensor,
  saved: tf.Tensor[],
  attrs: Record<string, unknown>,
) => Record<string, () => tf.Tensor>;

interface Config {
  inputsToSave?: string[];
  saveAllInputs?: boolean;
  gradFunc: GradFunc;
}

const zeros = (x: tf.Tensor) => () => tf.zerosLike(tf.cast(x, 'float32'));

const comparison: Config = {
  inputsToSave: ['a', 'b'],
  gradFunc: (_dy, [a, b]) => ({ a: zeros(a!), b: zeros(b!) }),
};

const configs: Record<string, Config> = {
  [tf.Pack]: {
    gradFunc: (dy, _saved, attrs) =>
      Object.fromEntries(tf.unstack(dy, attrs['axis'] as number).map((part, i) => [String(i), () => part])),
  },
  // Multi-output: dy holds one gradient per slice (tfjs's Unpack_grad).
  [tf.Unpack]: {
    gradFunc: (dy, _saved, attrs) => ({
      value: () => tf.stack(dy as unknown as tf.Tensor[], attrs['axis'] as number),
    }),
  },
  [tf.Concat]: {
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs['axis'] as number, saved[0]!.shape)[0]!;
      const parts = tf.split(
        dy,
        saved.map((input) => input.shape[axis]!),
        axis,
      );
      return Object.fromEntries(parts.map((part, i) => [String(i), () => part]));
    },
  },
  [tf.PadV2]: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const paddings = attrs['paddings'] as Array<[number, number]>;
      return {
        x: () =>
          tf.slice(
            dy,
            paddings.map((pair) => pair[0]),
            x!.shape,
          ),
      };
    },
  },
  [tf.Select]: {
    inputsToSave: ['condition'],
    gradFunc: (dy, [condition]) => ({
      condition: zeros(condition!),
      t: () => tf.mul(dy, tf.cast(condition!, dy.dtype)),
      e: () => tf.mul(dy, tf.cast(tf.logicalNot(condition!), dy.dtype)),
    }),
  },
  [tf.Erf]: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => tf.mul(dy, tf.mul(2 / Math.sqrt(Math.PI), tf.exp(tf.neg(tf.square(x!))))),
    }),
  },
  [tf.Expm1]: { inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.exp(x!)) }) },
  [tf.LeakyRelu]: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => tf.where(tf.greater(x!, 0), dy, tf.mul(dy, attrs['alpha'] as number)),
    }),
  },
  [tf.Rsqrt]: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.neg(tf.div(dy, tf.mul(2, tf.mul(x!, tf.sqrt(x!))))) }),
  },
  [tf.ExpandDims]: {
    inputsToSave: ['input'],
    gradFunc: (dy, [x]) => ({ input: () => tf.reshape(dy, x!.shape) }),
  },
  [tf.Identity]: { gradFunc: (dy) => ({ x: () => tf.clone(dy) }) },
  [tf.BroadcastTo]: {
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({
      x: () => {
        const axes = tf.backend_util.getReductionAxes(x!.shape, dy.shape);
        return tf.reshape(axes.length > 0 ? tf.sum(dy, axes, true) : dy, x!.shape);
      },
    }),
  },
  [tf.Greater]: comparison,
  [tf.GreaterEqual]: comparison,
  [tf.Less]: comparison,
  [tf.LessEqual]: comparison,
  [tf.Equal]: comparison,
  [tf.NotEqual]: comparison,
  [tf.ArgMax]: { inputsToSave: ['x'], gradFunc: (_dy, [x]) => ({ x: zeros(x!) }) },
  [tf.OneHot]: { inputsToSave: ['indices'], gradFunc: (_dy, [indices]) => ({ indices: zeros(indices!) }) },
  [tf.ZerosLike]: { inputsToSave: ['x'], gradFunc: (_dy, [x]) => ({ x: zeros(x!) }) },
  [tf.Sign]: { inputsToSave: ['x'], gradFunc: (_dy, [x]) => ({ x: zeros(x!) }) },
};

let registered = false;

/** Registers optim's gradients and the ones above for kernels that have none yet; idempotent. */
export function registerNnGradients(): void {
  registerGradients();
  if (registered) return;
  registered = true;
  for (const [kernelName, config] of Object.entries(configs)) {
    if (tf.getGradient(kernelName) != null) continue;
    tf.registerGradient({ kernelName, ...config } as tf.GradConfig);
  }
}
