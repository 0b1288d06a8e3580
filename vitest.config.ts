import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{db,services,enrichment,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'web/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: run test files in two forks; each file builds its own database.
    pool: 'forks',
    maxWorkers: 2,
  },
});
