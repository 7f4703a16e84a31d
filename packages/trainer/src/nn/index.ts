// torch.nn layers and losses on TensorFlow.js, checked against PyTorch 1.13 (test/nn-parity.test.ts).

export { dropoutRng } from './dropout.js';
export { buildLoss, type Loss } from './loss.js';
export { buildNetwork, type Network } from './network.js';
export { PACKING_LAYERS, unpackableLayer } from './packed.js';
export { MAX_POOL_ON_FLAG } from './pool.js';
export type { ForwardMode, ResolvedLayer, ResolvedLoss } from './types.js';
