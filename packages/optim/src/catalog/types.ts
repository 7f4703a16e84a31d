/**
 * The catalog is the single source of truth for optimizer and scheduler options: the API
 * validates sweep specs against it and generates its OpenAPI document from it.
 *
 * Each option is a JSON Schema (draft 2020-12 / OpenAPI 3.1 subset) that carries its
 * `default` and a one-line `description`. Options whose value is itself a list
 * (`betas`, `milestones`, per-group lists) have `type: "array"` (or an `anyOf` containing
 * an array branch); the sweep spec relies on that to tell "one list value" from "a sweep".
 */
export type JsonSchema = {
  type?: 'number' | 'integer' | 'boolean' | 'string' | 'array' | 'object' | 'null';
  description?: string;
  default?: unknown;
  enum?: readonly unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  maxLength?: number;
  /** A string's ECMAScript regular expression (JSON Schema's `pattern`, unanchored unless it says so). */
  pattern?: string;
  items?: JsonSchema;
  prefixItems?: readonly JsonSchema[];
  anyOf?: readonly JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  examples?: readonly unknown[];
  [extension: `x-${string}`]: unknown;
};

export interface CatalogEntry {
  /** torch class name, e.g. "Adam", "StepLR". */
  type: string;
  kind: 'optimizer' | 'scheduler';
  /** One line. */
  description: string;
  /** Link to the PyTorch 1.13 documentation page. */
  reference: string;
  /** Option name (torch's keyword) -> schema with default and description. */
  options: Record<string, JsonSchema>;
  /** Options without a default that must be given (e.g. StepLR's step_size). */
  required: readonly string[];
}
