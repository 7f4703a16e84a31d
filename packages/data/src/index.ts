export { concatBytes, limitBytes } from './bytes.js';
export { csvCell, type JsonWriter, neutralised, toCsv } from './csv-writer.js';
export { formatFromFileName, inspectDataset, readDataset } from './dataset.js';
export { DatasetError, type DatasetWhere } from './errors.js';
export { MAX_INFLATION_RATIO } from './npz.js';
export { StatsAccumulator } from './stats.js';
export * from './types.js';
