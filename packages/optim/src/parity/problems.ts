import * as tf from '@tensorflow/tfjs-core';
import { takeGradients } from '../autograd/compute-gradients.js';
import { Parameter } from '../autograd/parameter.js';
import { registerGradients } from '../autograd/register-gradients.js';

/** The `problem` and `params` blocks of a reference file (packages/optim/test/reference/README.md). */
export interface ProblemSpec {
  kind: string;
  negate?: boolean;
  data: Record<string, number[] | number[][]>;
}
export type ParamSpecs = Record<string, { shape: number[]; init: number[] }>;

/** A reference problem: its parameters and a function that fills their gradients and returns the loss. */
export interface Problem {
  params: Parameter[];
  /**
   * Computes the objective and its gradients into `params[].grad`; `sparse`: embedding rows as SparseGrad.
   * Returns the loss as a tensor (the caller reads and disposes it: asynchronously, as webgpu needs).
   */
  evaluate(sparse: boolean): tf.Scalar;
  dispose(): void;
}

/** Builds a reference problem; throws for an unknown kind (the runner reports it as a failure). */
export function buildProblem(problem: ProblemSpec, specs: ParamSpecs): Problem {
  const params = Object.entries(specs).map(([name, spec]) => new Parameter(name, spec.init, spec.shape));
  const byName = (name: string): Parameter => {
    const param = params.find((candidate) => candidate.name === name);
    if (param === undefined) throw new Error(`problem ${problem.kind} needs parameter ${name}`);
    return param;
  };
  const sign = problem.negate === true ? -1 : 1;
  const data: tf.Tensor[] = [];
  const constant = (values: number[] | number[][], dtype: 'float32' | 'int32' = 'float32') => {
    const tensor = tf.tensor(values, undefined, dtype);
    data.push(tensor);
    return tensor;
  };
  const dispose = () => {
    for (const tensor of data) tensor.dispose();
    for (const param of params) param.dispose();
  };
  const signed = (loss: tf.Scalar) => (sign === 1 ? loss : tf.neg(loss));
  // torch's CPU mean is sum(x) / n; tfjs's cpu backend divides before summing (other roundings)
  const mean = (x: tf.Tensor) => tf.div(tf.sum(x), x.size) as tf.Scalar;

  switch (problem.kind) {
    case 'rosenbrock': {
      const xy = byName('xy');
      return {
        params,
        dispose,
        evaluate: () =>
          takeGradients(params, () => {
            const x = tf.slice(xy.variable, 0, 1);
            const y = tf.slice(xy.variable, 1, 1);
            const loss = tf.add(tf.square(tf.sub(1, x)), tf.mul(100, tf.square(tf.sub(y, tf.square(x)))));
            return signed(tf.sum(loss));
          }),
      };
    }
    case 'mlp': {
      const [w1, b1, w2, b2] = ['w1', 'b1', 'w2', 'b2'].map(byName) as [
        Parameter,
        Parameter,
        Parameter,
        Parameter,
      ];
      const x = constant(problem.data['x']!);
      const labels = tf.oneHot(constant(problem.data['y']!, 'int32') as tf.Tensor1D, w2.shape[1]!);
      data.push(labels);
      return {
        params,
        dispose,
        evaluate: () =>
          takeGradients(params, () => {
            const hidden = tf.relu(
              tf.add(tf.matMul(x as tf.Tensor2D, w1.variable as tf.Tensor2D), b1.variable),
            );
            const logits = tf.add(tf.matMul(hidden, w2.variable as tf.Tensor2D), b2.variable);
            // torch's cross_entropy: log_softmax, then the mean negative log-likelihood
            const nll = tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1));
            return signed(mean(nll));
          }),
      };
    }
    case 'embedding': {
      const emb = byName('emb');
      const w = byName('w');
      const idx = constant(problem.data['idx']!, 'int32') as tf.Tensor1D;
      const target = constant(problem.data['t']!);
      // The gradient is taken w.r.t. the gathered rows (tf.gather's own gradient needs
      // UnsortedSegmentSum, which the wasm backend lacks); that is torch's sparse embedding grad.
      const rowLoss = (rows: tf.Tensor, weights: tf.Tensor) =>
        signed(
          mean(
            tf.square(
              tf.sub(tf.squeeze(tf.matMul(rows as tf.Tensor2D, tf.reshape(weights, [-1, 1])), [1]), target),
            ),
          ),
        );
      registerGradients(); // tf.valueAndGrads below, not takeGradients, takes these gradients
      const gradients = tf.valueAndGrads(rowLoss);
      return {
        params,
        dispose,
        evaluate: (sparse) => {
          const rows = tf.gather(emb.variable, idx);
          const { value, grads } = gradients([rows, w.variable]);
          rows.dispose();
          const [rowGrad, wGrad] = grads as [tf.Tensor2D, tf.Tensor];
          emb.clearGrad();
          w.clearGrad();
          if (sparse) {
            emb.grad = { indices: tf.clone(idx), values: rowGrad };
          } else {
            emb.grad = tf.scatterND(tf.expandDims(idx, 1), rowGrad, emb.shape);
            rowGrad.dispose();
          }
          w.grad = wGrad;
          return value as tf.Scalar;
        },
      };
    }
    default:
      dispose();
      throw new Error(`unknown problem kind ${JSON.stringify(problem.kind)}`);
  }
}
