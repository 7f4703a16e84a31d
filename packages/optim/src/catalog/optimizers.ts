import type { CatalogEntry } from './types.js';

/** Every torch.optim optimizer, keyed by torch class name. Filled by issue 3. */
export const optimizerCatalog: Record<string, CatalogEntry> = {};
