import type { CatalogEntry } from './types.js';

/** Every torch.optim.lr_scheduler scheduler, keyed by torch class name. Filled by issue 4. */
export const schedulerCatalog: Record<string, CatalogEntry> = {};
