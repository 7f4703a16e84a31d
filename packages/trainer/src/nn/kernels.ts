import * as tf from '@tensorflow/tfjs-core';

type GradFunc = (
  dy: tf.Tensor,
  saved: tf.Tensor[],
  attrs: tf.NamedAttrMap,
) => Record<string, () => tf.Tensor>;

/** A kernel of the backend `backendName`, which must have it. */
export function backendKernel(kernelName: string, backendName: string): tf.KernelFunc {
  const kernel = tf.getKernel(kernelName, backendName);
  if (kernel === undefined) throw new Error(`backend ${backendName} has no ${kernelName} kernel`);
  return kernel.kernelFunc;
}

/** On each backend, the backend's kernel `kernelName` with the attributes `attrs` makes of ours. */
export function runs(
  kernelName: string,
  attrs: (own: tf.NamedAttrMap) => tf.NamedAttrMap = () => ({}),
): (backendName: string) => tf.KernelFunc {
  return (backendName) => {
    const kernel = backendKernel(kernelName, backendName);
    return ({ inputs, backend, attrs: own }) => kernel({ inputs, backend, attrs: attrs(own ?? {}) });
  };
}

/**
 * A kernel of our own, made of the active backend's kernels (`kernelFunc`, built once per backend, the first
 * time the op runs there), with its own gradient given per input as tfjs's registered gradients are: tfjs only
 * calls the thunks of inputs a gradient flows to, where tf.customGrad computes every input's gradient (a first
 * convolution's input gradient, towards the network's data, is then work thrown away). Returns the op: inputs
 * by name, its attributes.
 */
export function ownKernel(
  name: string,
  kernelFunc: (backendName: string) => tf.KernelFunc,
  inputsToSave: string[],
  gradFunc: GradFunc,
): (inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap) => tf.Tensor {
  let gradientRegistered = false;
  return (inputs, attrs) => {
    const backendName = tf.getBackend();
    if (tf.getKernel(name, backendName) === undefined)
      tf.registerKernel({ kernelName: name, backendName, kernelFunc: kernelFunc(backendName) });
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
