/**
 * onnxruntime-node engine: CPU by default, CUDA when asked for (with a clear error when the
 * CUDA provider is not installed), configurable intra-op threads. Imported lazily.
 *
 * @module
 */
import { ClassifierError, ModelLoadError } from '@semroute/core';
import { importLib } from '../internal/import-lib.js';
import type { OrtEngine, OrtModuleLike } from '../runtime/ort-types.js';

export interface OnnxEngineOptions {
  /** `cpu` (default) or `cuda`. */
  readonly device?: 'cpu' | 'cuda';
  /** Intra-op threads per session (default 1: one core per model, predictable latency). */
  readonly intraOpNumThreads?: number;
  /** Inject the module (tests, bundlers); default `await import('onnxruntime-node')`. */
  readonly lib?: unknown;
}

export const ONNX_PROVIDER = 'onnxruntime-node';

export async function createOnnxEngine(options: OnnxEngineOptions = {}): Promise<OrtEngine> {
  const ort = (options.lib ??
    (await importLib('onnxruntime-node', () => import('onnxruntime-node')))) as OrtModuleLike & {
    default?: OrtModuleLike;
  };
  const module: OrtModuleLike = ort.InferenceSession ? ort : (ort.default as OrtModuleLike);
  const device = options.device ?? 'cpu';
  return {
    provider: ONNX_PROVIDER,
    ort: module,
    async createSession(onnxPath, modelId) {
      try {
        return await module.InferenceSession.create(onnxPath, {
          executionProviders: [device],
          intraOpNumThreads: options.intraOpNumThreads ?? 1,
          interOpNumThreads: 1,
          graphOptimizationLevel: 'all',
        });
      } catch (error) {
        const message = (error as Error).message ?? String(error);
        if (device === 'cuda') {
          throw new ClassifierError({
            message: `onnxruntime-node: the CUDA execution provider is not available (${message}); install onnxruntime-node with its CUDA binaries (not skipped by onnxruntime-node-install=skip) or use device: 'cpu'`,
            code: 'model_load_failed',
            backend: ONNX_PROVIDER,
            modelId,
            cause: error,
          });
        }
        throw new ModelLoadError({
          message: `onnxruntime-node: cannot load ${onnxPath}: ${message}`,
          path: onnxPath,
          cause: error,
        });
      }
    },
  };
}
