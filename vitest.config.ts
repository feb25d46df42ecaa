import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their `src` so tests need no build step.
const alias = (name: string, path: string) => ({
  find: new RegExp(`^@semroute/${name}$`),
  replacement: fileURLToPath(new URL(path, import.meta.url)),
});

export default defineConfig({
  resolve: {
    alias: [
      {
        find: /^@semroute\/core\/test$/,
        replacement: fileURLToPath(new URL('./packages/core/src/test/index.ts', import.meta.url)),
      },
      alias('core', './packages/core/src/index.ts'),
      alias('cli', './packages/cli/src/index.ts'),
      alias('server', './packages/server/src/index.ts'),
    ],
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/*/**/*.test.ts',
      'scripts/**/*.test.ts',
      'deploy/test/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
