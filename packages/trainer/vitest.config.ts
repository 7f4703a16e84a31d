import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Trials train real (small) models on wasm; a few seconds each on a 2-core machine.
    testTimeout: 60_000,
  },
});
