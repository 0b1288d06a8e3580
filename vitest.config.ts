import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{db,services,enrichment,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'web/**'],
    // One self-signed certificate for the simulators, trusted by every test worker (the Graph
    // SDK only sends tokens over https).
    globalSetup: ['services/sim/m365/tls-global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: run test files in two forks; each file builds its own database.
    pool: 'forks',
    // Besides the usual output, each test file's case counts for test/README.md (npm run test:counts).
    reporters: ['default', './test/helpers/counts-reporter.ts'],
    maxWorkers: 2,
  },
});
