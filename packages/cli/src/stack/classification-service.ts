/**
 * The management API's classification service: @semroute/classifiers'
 * `createClassificationService`, created on first use. Creation starts loading the models, so
 * it must wait until `semroute serve` has built them (on a fresh machine `buildRouter` does
 * that first).
 *
 * @module
 */
import type { ClassificationService } from '@semroute/classifiers';
import type { ClassificationServiceV1 } from '@semroute/server';

export interface StackClassificationOptions {
  readonly modelsDir: string;
  readonly backend?: 'onnx' | 'wasm' | 'transformers';
}

/** `options` is read on first use, so it may depend on state that exists only after start-up. */
export function createStackClassificationService(
  options: () => StackClassificationOptions,
): ClassificationServiceV1 & { close(): Promise<void> } {
  let service: Promise<ClassificationService> | undefined;
  let created: ClassificationService | undefined;
  const get = () => {
    service ??= import('@semroute/classifiers').then((classifiers) => {
      const { modelsDir, backend } = options();
      created = classifiers.createClassificationService({ modelsDir, ...(backend ? { backend } : {}) });
      return created;
    });
    return service;
  };
  return {
    specificationVersion: 'v1',
    classifyIntent: async (text, callOptions) => (await get()).classifyIntent(text, callOptions),
    detectPii: async (text, callOptions) => (await get()).detectPii(text, callOptions),
    detectJailbreak: async (text, callOptions) => (await get()).detectJailbreak(text, callOptions),
    embed: async (texts, callOptions) => (await get()).embed(texts, callOptions),
    describe: () => created?.describe() ?? [],
    // Not loaded yet is still "ready": the first classification call loads on demand.
    ready: () => created?.ready() ?? true,
    close: async () => {
      if (service) await (await service).close();
    },
  };
}
