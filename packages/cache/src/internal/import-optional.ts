/**
 * Lazy loading of the heavy, optional client libraries (hnswlib-node, ioredis, the Milvus SDK):
 * they are not dependencies of @semroute/cache; users install the one their store needs.
 *
 * @module
 */
import { DependencyNotInstalledError } from '@semroute/core';

/** The optional libraries and the version ranges the adapters are tested with. */
export const ADAPTER_DEPENDENCIES = {
  'hnswlib-node': '^3.0.0',
  ioredis: '^5.11.1',
  '@zilliz/milvus2-sdk-node': '^3.0.6',
} as const;

export type AdapterDependency = keyof typeof ADAPTER_DEPENDENCIES;

/** Imports an optional dependency; rejects with DependencyNotInstalledError and an install hint. */
export async function importOptional<T>(name: AdapterDependency, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: string } | undefined)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new DependencyNotInstalledError({
        message: `${name} is not installed; run \`pnpm add ${name}@"${ADAPTER_DEPENDENCIES[name]}"\``,
        packageName: name,
        cause: error,
      });
    }
    throw error;
  }
}

/** CJS modules imported from ESM expose their exports on `default`. */
export function interop<T>(module: T | { default: T }): T {
  const value = module as { default?: T };
  return value.default !== undefined && typeof value.default === 'object' ? value.default : (module as T);
}
