import * as tf from '@tensorflow/tfjs-core';

type GradFunc = (
  dy: tf.Tensor,
  saved: tf.Tensor[],
  attrs: tf.NamedAttrMap,
) => Record<string, () => tf.Tensor>;

/**
 * A kernel of our own that runs another kernel of the active backend (`runs`, with `attrs` mapped by
 * `kernelAttrs`) and has its own gradient, given per input as tfjs's registered gradients are: tfjs only calls
 * the thunks of inputs a gradient flows to, where tf.customGrad computes every input's gradient (a first
 * convolution's input gradient, the network's data, is then work thrown away). Registered on each backend the
 * first time it runs there. Returns the op: inputs by name, its attributes.
 */
export function delegatingKernel(
  name: string,
  runs: string,
  kernelAttrs: (attrs: tf.NamedAttrMap) => tf.NamedAttrMap,
  inputsToSave: string[],
  gradFunc: GradFunc,
): (inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) => tf.Tensor {
  let gradientRegistered = false;
  return (inputs, attrs) => {
    const backendName = tf.getBackend();
    if (tf.getKernel(name, backendName) === undefined) {
      const target = tf.getKernel(runs, backendName);
      if (target === undefined) throw new Error(`backend ${backendName} has no ${runs} kernel`);
      tf.registerKernel({
        kernelName: name,
        backendName,
        kernelFunc: ({ inputs: given, backend, attrs: own }) =>
          target.kernelFunc({ inputs: given, backend, attrs: kernelAttrs(own ?? {}) }),
      });
    }
    if (!gradientRegistered) {
      gradientRegistered = true;
      tf.registerGradient({
        kernelName: name,
        inputsToSave,
        gradFunc: gradFunc as tf.GradConfig['gradFunc'],
      });
    }
    return tf.engine().runKernel(name, inputs, attrs) as tf.Tensor;
  };
}
