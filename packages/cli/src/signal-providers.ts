/**
 * The signal providers the CLI hands to the router: the one place where hosts wire the
 * learned signal families in. Returns nothing when no learned family is referenced, so
 * keyword-only configs start without loading any model. When learned signals are configured
 * and the default models folder is missing or stale, it builds the default models first
 * (≈15 s, npm packages only).
 *
 * @module
 */
import { resolve } from 'node:path';
import {
  CORE_SIGNAL_KINDS,
  type RouterConfig,
  type RoutingConfig,
  SIGNAL_CONTAINERS,
  type SignalKind,
  type SignalProviderV1,
  type SignalsConfig,
} from '@semroute/core';
import type { CliIo } from './cli-io.js';

function usesLearnedSignals(routing: RoutingConfig): boolean {
  return (Object.entries(SIGNAL_CONTAINERS) as [keyof SignalsConfig, string][]).some(
    ([container, type]) =>
      !CORE_SIGNAL_KINDS.has(type as SignalKind) && routing.signals[container].length > 0,
  );
}

/**
 * The models folder: a `--models-dir` flag, else `model_catalog.models_dir`, else
 * `SEMROUTE_MODELS_DIR`, else `./models`, relative to the working directory.
 */
export function resolveModelsDir(config: RouterConfig | undefined, io: CliIo, flag?: string): string {
  return resolve(
    io.cwd,
    flag ?? config?.global.model_catalog.models_dir ?? io.env.SEMROUTE_MODELS_DIR ?? 'models',
  );
}

export async function loadSignalProviders(config: RouterConfig, io: CliIo): Promise<SignalProviderV1[]> {
  const blocks = [config.routing, ...config.recipes.map((recipe) => recipe.routing)];
  if (!blocks.some(usesLearnedSignals)) return [];
  const classifiers = await import('@semroute/classifiers');
  const catalog = config.global.model_catalog;
  const modelsDir = resolveModelsDir(config, io);
  if (!(await classifiers.defaultModelsUpToDate(modelsDir))) {
    await classifiers.buildDefaultModels({
      modelsDir,
      onProgress: (message) => io.stderr(`models: ${message}\n`),
    });
  }
  return [
    classifiers.createClassifierSignalProvider({
      modelsDir,
      ...(catalog.backend ? { backend: catalog.backend } : {}),
    }),
  ];
}
