import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The parity suite runs every reference case on wasm and on cpu: a few seconds in all.
    testTimeout: 60_000,
  },
});
