/**
 * Lazy loading of the heavy, optional client libraries (hnswlib-node, ioredis, the Milvus SDK):
 * they are not dependencies of @semroute/cache; users install the one their store needs.
 *
 * @module
 */
import { importOptionalDependency } from '@semroute/core';

/** The optional libraries and the version ranges the adapters are tested with. */
export const ADAPTER_DEPENDENCIES = {
  'hnswlib-node': '^3.0.0',
  ioredis: '^5.11.1',
  '@zilliz/milvus2-sdk-node': '^3.0.6',
} as const;

export type AdapterDependency = keyof typeof ADAPTER_DEPENDENCIES;

/** Imports an optional dependency; rejects with DependencyNotInstalledError and an install hint. */
export function importOptional<T>(name: AdapterDependency, load: () => Promise<T>): Promise<T> {
  return importOptionalDependency(name, ADAPTER_DEPENDENCIES[name], load);
}

/** CJS modules imported from ESM expose their exports on `default`. */
export function interop<T>(module: T | { default: T }): T {
  const value = module as { default?: T };
  return value.default !== undefined && typeof value.default === 'object' ? value.default : (module as T);
}
