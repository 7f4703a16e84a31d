/**
 * The minimal view of an optimizer that lr schedulers need: torch's `param_groups`, as plain
 * objects keyed by torch option names (`lr`, `momentum`, `betas`, `initial_lr`, ...).
 */
export interface ParamGroupLike {
  lr: number;
  [option: string]: unknown;
}

export interface OptimizerLike {
  readonly paramGroups: ParamGroupLike[];
}
