// The pruners' one path lives in @hypersweep/db (search-pruners.ts): the API judges external trials by it too.
export { type EpochReport, pruneReason } from '@hypersweep/db';
