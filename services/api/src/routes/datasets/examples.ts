import type { Example } from '../../schemas.js';

/**
 * The examples of the dataset routes in the OpenAPI document (test/openapi.test.ts validates each against
 * its schema and uploads the CSV example).
 */

export const datasetCsvExample = 'x,y,label\n0.5,1,0\n1.5,2,1\n2.5,3,0\n';

const tiny = {
  id: '5b0e8f4e-2a49-4c1b-9d8e-2f1f7c3a9b10',
  name: 'tiny',
  sha256: 'a8c1c5b9d2b77e0fd6a1b9d1f3d64bd0e8c4d8a0f0c1f5b8a3e4d2c1b0a9f8e7',
  format: 'csv',
  bytes: datasetCsvExample.length,
  rows: 3,
  columns: [
    {
      name: 'x',
      type: 'float',
      stats: { min: 0.5, max: 2.5, minRow: 0, maxRow: 2, integer: false, firstNonIntegerRow: 0 },
    },
    {
      name: 'y',
      type: 'integer',
      stats: { min: 1, max: 3, minRow: 0, maxRow: 2, integer: true, firstNonIntegerRow: null },
    },
    {
      name: 'label',
      type: 'integer',
      stats: { min: 0, max: 1, minRow: 0, maxRow: 1, integer: true, firstNonIntegerRow: null },
    },
  ],
  createdAt: '2026-12-06T12:00:00.000Z',
};

const images = {
  id: '0c7d3a51-9f2e-4d8b-8a6c-3e5f1b2d4c6a',
  name: 'digits-images',
  sha256: '3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a',
  format: 'npz',
  bytes: 117_542,
  rows: 1797,
  arrays: [
    {
      name: 'images',
      dtype: 'uint8',
      shape: [1797, 8, 8],
      stats: { min: 0, max: 16, minRow: 0, maxRow: 0, integer: true, firstNonIntegerRow: null },
    },
    {
      name: 'labels',
      dtype: 'int64',
      shape: [1797],
      stats: { min: 0, max: 9, minRow: 0, maxRow: 9, integer: true, firstNonIntegerRow: null },
    },
  ],
  createdAt: '2026-12-06T12:05:00.000Z',
};

export const datasetExamples: Record<string, Example> = {
  csv: { summary: 'A CSV: its columns with their stats', value: tiny },
  npz: { summary: 'An NPZ of 8x8 images and their labels: its arrays', value: images },
};

export const datasetListExamples: Record<string, Example> = {
  two: { summary: 'Two datasets, newest first', value: { items: [images, tiny] } },
};

export const uploadBodyExamples: Record<string, Example> = {
  csv: { summary: 'A CSV with a header row, every cell a number', value: datasetCsvExample },
};

export const invalidDatasetExamples: Record<string, Example> = {
  ragged: {
    summary: 'A CSV row with fewer fields than the header',
    value: {
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid dataset: /body: line 7 has 3 fields; the header has 4',
      details: [{ path: '/body', message: 'line 7 has 3 fields; the header has 4' }],
    },
  },
  cell: {
    summary: 'A CSV cell that is not a number',
    value: {
      statusCode: 400,
      error: 'Bad Request',
      message: 'invalid dataset: /body: line 3, column "y": "abc" is not a number',
      details: [{ path: '/body', message: 'line 3, column "y": "abc" is not a number' }],
    },
  },
  npz: {
    summary: 'NPZ arrays that do not share their first axis',
    value: {
      statusCode: 400,
      error: 'Bad Request',
      message:
        'invalid dataset: /body: array "labels" has shape (100,), 100 rows, but "images" has 1797: the arrays must share their first axis (the examples)',
      details: [
        {
          path: '/body',
          message:
            'array "labels" has shape (100,), 100 rows, but "images" has 1797: the arrays must share their first axis (the examples)',
        },
      ],
    },
  },
};
