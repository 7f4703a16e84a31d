import { datasetFormats } from '@hypersweep/data';
import { Type } from 'typebox';
import {
  errorResponses,
  errorResponseWithExamples,
  STORE_ERRORS,
  StringEnum,
  withExamples,
} from '../../schemas.js';
import {
  datasetExamples,
  datasetListExamples,
  invalidDatasetExamples,
  uploadBodyExamples,
} from './examples.js';

/** The content types an upload may have: the file's bytes as the body. */
export const DATASET_CONTENT_TYPES = ['text/csv', 'application/octet-stream'] as const;

const ValueStats = Type.Object(
  {
    min: Type.Number(),
    max: Type.Number(),
    minRow: Type.Integer({ description: '0-based row (example) of the first minimum' }),
    maxRow: Type.Integer({ description: '0-based row (example) of the first maximum' }),
    integer: Type.Boolean({ description: 'Whether every value is an integer' }),
    firstNonIntegerRow: Type.Union([Type.Integer(), Type.Null()], {
      description: '0-based row of the first value that is not an integer; null when `integer`',
    }),
  },
  { description: 'Over every value of the column or array' },
);

const DatasetColumn = Type.Object({
  name: Type.String({ description: 'The CSV header or Parquet column; "0", "1", ... for an NPY array' }),
  type: StringEnum(['integer', 'float']),
  stats: ValueStats,
});

const DatasetArray = Type.Object({
  name: Type.String({ description: 'The NPZ member without .npy' }),
  dtype: Type.String({ description: "NumPy's dtype: float32, float64, int8..int64, uint8..uint64, bool" }),
  shape: Type.Array(Type.Integer({ minimum: 0 }), { description: 'The first axis is the examples (rows)' }),
  stats: ValueStats,
});

const Dataset = Type.Object(
  {
    id: Type.String({
      pattern: '^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|builtin:[a-z0-9-]+)$',
      description: 'A uuid; `builtin:<name>` for a dataset the service ships',
    }),
    name: Type.String(),
    builtin: Type.Optional(
      Type.Boolean({
        description:
          'Ships with the service (every worker has it; nothing stored, nothing to upload or delete)',
      }),
    ),
    description: Type.Optional(Type.String({ description: 'What a built-in dataset holds' })),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: "Hex sha256 of the file's bytes" }),
    format: StringEnum([...datasetFormats]),
    bytes: Type.Integer({ minimum: 0 }),
    rows: Type.Integer({ minimum: 1, description: "Examples: the CSV's data rows, the arrays' first axis" }),
    columns: Type.Optional(Type.Array(DatasetColumn, { description: 'CSV, Parquet and NPY' })),
    arrays: Type.Optional(Type.Array(DatasetArray, { description: 'NPZ' })),
    createdAt: Type.Optional(Type.String({ format: 'date-time', description: 'Uploaded datasets' })),
  },
  { additionalProperties: false },
);

/** A dataset by its id or its name. */
const DatasetRef = Type.Object({
  id: Type.String({
    minLength: 1,
    maxLength: 128,
    description: "The dataset's id (a uuid, or builtin:<name>) or name",
  }),
});

const datasetErrors = errorResponses([404, ...STORE_ERRORS], { 404: 'No dataset has this id or name' });

const tags = ['datasets'];

export const uploadDatasetSchema = {
  operationId: 'uploadDataset',
  tags,
  summary: "Upload a dataset: the file's bytes as the body, streamed, validated and described",
  description:
    'CSV (`Content-Type: text/csv`: a header row, every cell a finite number), or with `Content-Type: application/octet-stream` and `format`: NPY (a 1-D or 2-D array: columns "0", "1", ...), NPZ (as numpy.savez or savez_compressed writes it; every array shares the first axis) or Parquet (flat numeric columns). NaN and infinities are refused everywhere. At most DATASET_MAX_BYTES bytes (default 1 GiB), for NPZ also inflated. The same bytes uploaded again answer the stored dataset (200).',
  querystring: Type.Object(
    {
      name: Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
        description: 'Unique name (letters, digits, . _ -; not a uuid): specs name the dataset by it',
      }),
      format: Type.Optional(
        StringEnum([...datasetFormats], {
          description: 'Required with application/octet-stream; text/csv implies csv',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  body: {
    content: {
      'text/csv': { schema: withExamples(Type.Any({ description: 'The CSV file' }), uploadBodyExamples) },
      'application/octet-stream': {
        schema: Type.Any({ description: 'The .npy, .npz, .parquet (or .csv) file; `format` says which' }),
      },
    },
  },
  response: {
    201: withExamples({ ...Dataset, description: 'Stored: what the file holds' }, datasetExamples),
    200: { ...Dataset, description: 'These bytes were uploaded before: the stored dataset' },
    400: errorResponseWithExamples(
      'The file is not a dataset the service reads: `message` and `details` say what and where (line and column, array, row)',
      invalidDatasetExamples,
    ),
    ...errorResponses([409, 413, 415, ...STORE_ERRORS], {
      409: 'The name is taken by a dataset with other content, or by a built-in dataset',
      413: 'The file, or what an NPZ inflates to, is larger than DATASET_MAX_BYTES; or an NPZ member inflates more than 1000x',
      415: 'The body is neither text/csv nor application/octet-stream',
    }),
  },
};

export const listDatasetsSchema = {
  operationId: 'listDatasets',
  tags,
  summary: 'List datasets, newest first',
  response: {
    200: withExamples(Type.Object({ items: Type.Array(Dataset) }), datasetListExamples),
    ...errorResponses([...STORE_ERRORS]),
  },
};

export const getDatasetSchema = {
  operationId: 'getDataset',
  tags,
  summary: 'A dataset by id or name: its rows and columns or arrays with their stats',
  params: DatasetRef,
  response: { 200: Dataset, ...datasetErrors },
};

export const deleteDatasetSchema = {
  operationId: 'deleteDataset',
  tags,
  summary: 'Delete a dataset and its bytes, unless a queued or running sweep uses it',
  params: DatasetRef,
  response: {
    204: Type.Null({ description: 'Deleted' }),
    ...datasetErrors,
    ...errorResponses([400, 409], {
      400: 'A built-in dataset: it cannot be deleted',
      409: 'Queued or running sweeps use the dataset: `message` names them',
    }),
  },
};
