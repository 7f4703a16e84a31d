import * as tf from '@tensorflow/tfjs-core';
import { TrainerError } from '../errors.js';
import { Rng } from '../rng.js';
import type { Args } from './args.js';
import type { Module } from './types.js';

/** A 32-bit mix (the splitmix32 finaliser) of a running hash with one more word. */
function mix(hash: number, word: number): number {
  let z = (hash ^ Math.imul(word >>> 0, 0x9e3779b1)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * The generator of one dropout layer's mask at one step: a pure function of (seed, step, layer index), so a
 * trial resumed from a checkpoint draws the masks an uninterrupted one does (there is no generator state to
 * save). Its seed is a hash of the three, taken through Rng's 'order' stream; the masks do not follow torch's
 * generator (no implementation outside torch can), only its distribution.
 */
export function dropoutRng(seed: number, step: number, layerIndex: number): Rng {
  const low = seed >>> 0;
  const high = Math.floor(seed / 2 ** 32) >>> 0;
  const hash = mix(mix(mix(mix(0x6d2b79f5, low), high), step), layerIndex);
  return Rng.forStream(hash, 'order');
}

/**
 * torch.nn.Dropout: in training each element is kept with probability 1 - p and scaled by 1 / (1 - p)
 * (p = 1 gives zeros); in eval it is the identity.
 */
export function dropoutModule(args: Args, seed: number, layerIndex: number): Module {
  const p = args.number('p');
  if (!(p >= 0 && p <= 1)) throw new TrainerError(`Dropout: p must lie in [0, 1], got ${p}`);
  const scale = p === 1 ? 0 : Math.fround(1 / Math.fround(1 - p));
  return {
    params: [],
    buffers: {},
    forward(x, _weights, mode) {
      if (!mode.training || p === 0) return x;
      const mask = new Float32Array(x.size);
      if (p < 1) {
        const rng = dropoutRng(seed, mode.step, layerIndex);
        for (let i = 0; i < mask.length; i++) mask[i] = rng.uniform() < p ? 0 : scale;
      }
      return tf.mul(x, tf.tensor(mask, x.shape));
    },
  };
}
