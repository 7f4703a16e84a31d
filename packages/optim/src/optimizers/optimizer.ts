import * as tf from '@tensorflow/tfjs-core';
import { isSparseGrad, type Parameter } from '../autograd/parameter.js';
import { OptimError } from '../errors.js';
import type { OptimizerLike, ParamGroupLike } from '../types.js';
import { resolveOptimizerOptions } from './resolve-options.js';
import { ScalarCache } from './scalar-cache.js';

/** torch's param group: the parameters plus every option under torch's (snake_case) name. */
export interface ParamGroup extends ParamGroupLike {
  params: Parameter[];
  lr: number;
}

/** A param group as given to a constructor: options it leaves out fall back to the defaults. */
export interface ParamGroupInput {
  params: Parameter[];
  [option: string]: unknown;
}

/** One entry of a parameter's optimizer state: a tensor, a scalar, or (LBFGS) lists of them. */
export type StateValue =
  | tf.Tensor
  | Float32Array
  | number
  | null
  | tf.Tensor[]
  | Float32Array[]
  | Array<number | null>;
export type ParamState = Record<string, StateValue>;

/** The JSON form of a StateValue: tensors become flat row-major number arrays. */
export type StateJsonValue = number | null | number[] | number[][] | Array<number | null>;
/** A StateValue as `stateDict({ typedArrays: true })` gives it: tensors as flat row-major float32 copies. */
export type StateTypedValue = number | null | Float32Array | Float32Array[] | Array<number | null>;

/**
 * torch's `optimizer.state_dict()` layout. With number arrays (the default) it survives JSON.stringify /
 * JSON.parse; with float32 arrays it is exact and compact, for a caller that stores the bytes itself.
 */
export interface OptimizerStateDict<Value = StateJsonValue> {
  state: Record<string, Record<string, Value>>;
  param_groups: Array<Record<string, unknown> & { params: number[] }>;
}

/**
 * The base of every optimizer, after torch.optim.Optimizer
 * (https://pytorch.org/docs/1.13/optim.html#base-class): defaults, param groups that fall back
 * to them, per-parameter state, zero_grad, step(closure), state_dict/load_state_dict.
 *
 * Subclasses implement `updateParameter` (torch's `_single_tensor_*` body for one parameter);
 * `step` runs it for every parameter that has a gradient inside one tf.tidy, so everything but
 * the new state and parameter values is freed.
 */
export abstract class Optimizer implements OptimizerLike {
  readonly defaults: Record<string, unknown>;
  readonly paramGroups: ParamGroup[] = [];
  readonly state = new Map<Parameter, ParamState>();
  /** torch class name, the catalog key (each subclass's static `torchType`). */
  readonly type: string;
  /** Scalar tensors of the hyper-parameters, reused across steps. */
  protected readonly scalars = new ScalarCache();
  /** Set by every subclass to its torch class name. */
  static readonly torchType: string;

  constructor(
    params: readonly Parameter[] | readonly ParamGroupInput[],
    options: Record<string, unknown> = {},
  ) {
    const type = (new.target as unknown as { torchType?: string }).torchType;
    if (type === undefined) throw new OptimError(`${new.target.name} does not declare its torchType`);
    this.type = type;
    this.defaults = resolveOptimizerOptions(type, options, { allowMissingRequired: true });
    if (params.length === 0) throw new OptimError('optimizer got an empty parameter list', 'params');
    const groups: readonly ParamGroupInput[] = isGroupList(params)
      ? params
      : [{ params: [...(params as readonly Parameter[])] }];
    for (const group of groups) this.addParamGroup(group);
  }

  /** torch's add_param_group: missing options fall back to `defaults`; the result is validated. */
  addParamGroup(group: ParamGroupInput): void {
    const { params, ...overrides } = group;
    if (params.length === 0) throw new OptimError('optimizer got an empty parameter list', 'params');
    const seen = new Set(this.paramGroups.flatMap((existing) => existing.params));
    for (const param of params) {
      if (seen.has(param)) {
        throw new OptimError('some parameters appear in more than one parameter group', 'params');
      }
      seen.add(param);
    }
    const given = Object.fromEntries(
      Object.entries(this.defaults).filter(([, value]) => value !== undefined),
    );
    const options = resolveOptimizerOptions(this.type, { ...given, ...withoutSchedulerKeys(overrides) });
    this.paramGroups.push({ ...overrides, ...options, params: [...params] } as ParamGroup);
  }

  /** Frees every gradient (torch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const param of group.params) param.clearGrad();
  }

  /**
   * One optimization step. The closure, when given, is called first (it recomputes the
   * gradients, e.g. with computeGradients) and its loss is returned, as in torch.
   */
  step(closure?: () => number): number | undefined {
    const loss = closure?.();
    tf.tidy(() => {
      for (const group of this.paramGroups) {
        for (const param of group.params) {
          if (param.grad === null) continue;
          let state = this.state.get(param);
          if (state === undefined) {
            state = {};
            this.state.set(param, state);
          }
          this.updateParameter(param, param.grad, state, group);
        }
      }
    });
    return loss;
  }

  /**
   * Updates one parameter from its gradient, as torch's `_single_tensor_*` loop body does.
   * Runs inside tf.tidy: store new state with `setState` and new values with `variable.assign`.
   */
  protected abstract updateParameter(
    param: Parameter,
    grad: NonNullable<Parameter['grad']>,
    state: ParamState,
    group: ParamGroup,
  ): void;

  /** Replaces a state tensor: keeps the new one past the step's tidy and frees the old one. */
  protected setState(state: ParamState, key: string, value: tf.Tensor): void {
    const previous = state[key];
    tf.keep(value);
    if (previous instanceof tf.Tensor && previous !== value) previous.dispose();
    state[key] = value;
  }

  /** The state tensor `key`, created by `init` (and kept past the step's tidy) on first use. */
  protected stateTensor(state: ParamState, key: string, init: () => tf.Tensor): tf.Tensor {
    const current = state[key];
    if (current instanceof tf.Tensor) return current;
    const created = tf.keep(init());
    state[key] = created;
    return created;
  }

  /** The state tensor `key`, zeros shaped like `param` on first use (most moments start at 0). */
  protected zeroState(state: ParamState, key: string, param: Parameter): tf.Tensor {
    return this.stateTensor(state, key, () => tf.zerosLike(param.variable));
  }

  /** The gradient as a dense tensor; dense optimizers reject sparse gradients as torch does. */
  protected denseGrad(grad: NonNullable<Parameter['grad']>): tf.Tensor {
    if (isSparseGrad(grad)) throw new OptimError(`${this.type} does not support sparse gradients`);
    return grad;
  }

  /** Parameters in torch's state_dict order (group by group). */
  protected orderedParams(): Parameter[] {
    return this.paramGroups.flatMap((group) => group.params);
  }

  /**
   * torch's state_dict(): state keyed by parameter index, tensors as number arrays, or with
   * `typedArrays` as Float32Array copies (no conversion to doubles: what a checkpoint wants).
   */
  stateDict(): OptimizerStateDict;
  stateDict(options: { typedArrays: true }): OptimizerStateDict<StateTypedValue>;
  stateDict(options: { typedArrays?: boolean } = {}): OptimizerStateDict<StateJsonValue | StateTypedValue> {
    const params = this.orderedParams();
    const state: OptimizerStateDict<StateJsonValue | StateTypedValue>['state'] = {};
    const convert = options.typedArrays === true ? stateValueToTyped : stateValueToJson;
    params.forEach((param, index) => {
      const paramState = this.state.get(param);
      if (paramState === undefined) return;
      state[index] = Object.fromEntries(
        Object.entries(paramState).map(([key, value]) => [key, convert(value)]),
      );
    });
    let offset = 0;
    const paramGroups = this.paramGroups.map(({ params: groupParams, ...options }) => {
      const indices = groupParams.map((_, index) => offset + index);
      offset += groupParams.length;
      return { ...structuredClone(options), params: indices };
    });
    return { state, param_groups: paramGroups };
  }

  /** torch's load_state_dict(): group options and state are replaced by the saved ones (either array form). */
  loadStateDict(dict: OptimizerStateDict<StateJsonValue | StateTypedValue>): void {
    if (dict.param_groups.length !== this.paramGroups.length) {
      throw new OptimError('loaded state dict has a different number of parameter groups');
    }
    dict.param_groups.forEach((saved, index) => {
      if (saved.params.length !== this.paramGroups[index]?.params.length) {
        throw new OptimError(
          "loaded state dict contains a parameter group that doesn't match the size of optimizer's group",
        );
      }
    });
    const params = this.orderedParams();
    this.disposeState();
    for (const [index, saved] of Object.entries(dict.state)) {
      const param = params[Number(index)];
      if (param === undefined) throw new OptimError(`loaded state dict names unknown parameter ${index}`);
      const paramState: ParamState = {};
      for (const [key, value] of Object.entries(saved)) {
        paramState[key] = this.stateValueFromJson(param, key, value);
      }
      this.state.set(param, paramState);
    }
    dict.param_groups.forEach(({ params: _indices, ...options }, index) => {
      Object.assign(this.paramGroups[index]!, structuredClone(options));
    });
  }

  /**
   * Turns a saved state entry back into a state value. Number arrays become tensors of the
   * parameter's shape; optimizers with other layouts (LBFGS) override this.
   */
  protected stateValueFromJson(
    param: Parameter,
    _key: string,
    value: StateJsonValue | StateTypedValue,
  ): StateValue {
    if (value instanceof Float32Array) return tf.keep(tf.tensor(value, param.shape, 'float32'));
    if (!Array.isArray(value)) return value;
    const first = value[0];
    if (Array.isArray(first) || first instanceof Float32Array) {
      return (value as Array<number[] | Float32Array>).map((row) => tf.keep(tf.tensor1d(row, 'float32')));
    }
    return tf.keep(tf.tensor(value as number[], param.shape, 'float32'));
  }

  private disposeState(): void {
    for (const paramState of this.state.values()) {
      for (const value of Object.values(paramState)) disposeStateValue(value);
    }
    this.state.clear();
  }

  /** Every state tensor (for reading them back before a stateDict: see readableOnHost). */
  stateTensors(): tf.Tensor[] {
    return [...this.state.values()].flatMap((paramState) =>
      Object.values(paramState).flatMap((value) =>
        (Array.isArray(value) ? value : [value]).filter(
          (item): item is tf.Tensor => item instanceof tf.Tensor,
        ),
      ),
    );
  }

  /** Frees every state tensor. The optimizer's parameters are left alone. */
  dispose(): void {
    this.disposeState();
    this.scalars.dispose();
  }
}

function isGroupList(params: readonly Parameter[] | readonly ParamGroupInput[]): params is ParamGroupInput[] {
  const first = params[0];
  return first !== undefined && 'params' in first && Array.isArray(first.params);
}

/** Keys that lr schedulers add to a group (torch stores them there too); not optimizer options. */
const SCHEDULER_KEYS = new Set(['initial_lr', 'max_lr', 'min_lr', 'max_momentum', 'base_momentum']);

function withoutSchedulerKeys(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([key]) => !SCHEDULER_KEYS.has(key)));
}

/** A state value with each tensor or float32 vector (read back, never aliased) passed through `convert`. */
function mapStateVectors<Vector>(value: StateValue, convert: (values: Float32Array) => Vector) {
  const vector = (item: tf.Tensor | Float32Array) =>
    convert(item instanceof tf.Tensor ? (item.dataSync() as Float32Array) : item);
  if (value instanceof tf.Tensor || value instanceof Float32Array) return vector(value);
  if (Array.isArray(value)) {
    return value.map((item) =>
      item instanceof tf.Tensor || item instanceof Float32Array ? vector(item) : item,
    ) as Vector[] | Array<number | null>;
  }
  return value;
}

const stateValueToJson = (value: StateValue) =>
  mapStateVectors(value, (values) => Array.from(values)) as StateJsonValue;
const stateValueToTyped = (value: StateValue) =>
  mapStateVectors(value, (values) => Float32Array.from(values)) as StateTypedValue;

function disposeStateValue(value: StateValue): void {
  if (value instanceof tf.Tensor) value.dispose();
  else if (Array.isArray(value)) for (const item of value) if (item instanceof tf.Tensor) item.dispose();
}
