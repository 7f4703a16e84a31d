import type { JsonSchema } from '../catalog/types.js';
import { schedulerCatalogEntry } from './resolve-scheduler-options.js';

/**
 * The JSON Schema of a scheduler entry written flat, as in sweep specs and the OpenAPI document:
 * `{ "type": "StepLR", "step_size": 30, "gamma": 0.1 }`. Carries the entry's `x-monitors-metric`
 * and `x-steps-per` so clients know ReduceLROnPlateau needs a metric and which schedulers step per batch.
 */
export function schedulerJsonSchema(type: string): JsonSchema {
  const entry = schedulerCatalogEntry(type);
  return {
    type: 'object',
    description: entry.description,
    properties: {
      type: { const: entry.type, description: 'torch class name.' },
      ...structuredClone(entry.options),
    },
    required: ['type', ...entry.required],
    additionalProperties: false,
    'x-reference': entry.reference,
    'x-steps-per': entry['x-steps-per'],
    ...(entry['x-monitors-metric'] ? { 'x-monitors-metric': true } : {}),
  };
}
