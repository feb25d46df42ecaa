import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'memory/index': 'src/memory/index.ts',
    'redis/index': 'src/redis/index.ts',
    'milvus/index': 'src/milvus/index.ts',
    'hybrid/index': 'src/hybrid/index.ts',
  },
  format: ['esm'],
  dts: { compilerOptions: { composite: false } },
  tsconfig: 'tsconfig.build.json',
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Optional client libraries are imported lazily at run time; never bundle them.
  external: ['hnswlib-node', 'ioredis', '@zilliz/milvus2-sdk-node'],
});
