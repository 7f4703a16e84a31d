import { defineConfig } from 'vitest/config';

// Generous timeouts: the machines are shared and loaded; tests here never time anything.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 },
});
