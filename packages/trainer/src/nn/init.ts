import type { Rng } from '../rng.js';

/** A parameter's initial value as a module declares it. */
export interface ParamInit {
  suffix: string;
  shape: number[];
  values: Float32Array;
}

function size(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** U(-bound, bound) from the trial's rng (torch's kaiming_uniform_(a=sqrt(5)) and bias init reduce to it). */
export function uniformParam(rng: Rng, suffix: string, shape: number[], bound: number): ParamInit {
  return { suffix, shape, values: rng.fillUniform(new Float32Array(size(shape)), -bound, bound) };
}

export function constantParam(suffix: string, shape: number[], value: number): ParamInit {
  return { suffix, shape, values: new Float32Array(size(shape)).fill(value) };
}

export function normalParam(rng: Rng, suffix: string, shape: number[]): ParamInit {
  return { suffix, shape, values: rng.fillNormal(new Float32Array(size(shape))) };
}
