/**
 * onnxruntime-web engine (WASM execution provider). Runs in Node, browsers and edge runtimes;
 * in Node the model bytes are read from disk and handed to the session.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { ModelLoadError } from '@semroute/core';
import { importLib } from '../internal/import-lib.js';
import type { OrtEngine, OrtModuleLike } from '../runtime/ort-types.js';

export interface WasmEngineOptions {
  /** WASM threads (default 1; more need cross-origin isolation in browsers). */
  readonly numThreads?: number;
  /** Inject the module; default `await import('onnxruntime-web')`. */
  readonly lib?: unknown;
  /** Reads model bytes; default `fs.readFile` (override in browsers, e.g. with fetch). */
  readonly readModel?: (path: string) => Promise<Uint8Array>;
}

export const WASM_PROVIDER = 'onnxruntime-web';

export async function createWasmEngine(options: WasmEngineOptions = {}): Promise<OrtEngine> {
  const ort = (options.lib ??
    (await importLib('onnxruntime-web', () => import('onnxruntime-web')))) as OrtModuleLike & {
    default?: OrtModuleLike;
  };
  const module: OrtModuleLike = ort.InferenceSession ? ort : (ort.default as OrtModuleLike);
  if (module.env?.wasm) {
    module.env.wasm.numThreads = options.numThreads ?? 1;
    module.env.wasm.proxy = false;
  }
  const readModel = options.readModel ?? (async (path: string) => new Uint8Array(await readFile(path)));
  return {
    provider: WASM_PROVIDER,
    ort: module,
    async createSession(onnxPath) {
      try {
        const bytes = await readModel(onnxPath);
        return await module.InferenceSession.create(bytes, {
          executionProviders: ['wasm'],
          graphOptimizationLevel: 'all',
        });
      } catch (error) {
        throw new ModelLoadError({
          message: `onnxruntime-web: cannot load ${onnxPath}: ${(error as Error).message}`,
          path: onnxPath,
          cause: error,
        });
      }
    },
  };
}
