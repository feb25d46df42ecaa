/**
 * The classification surface of the management API (`/api/v1/classify/*`, `/api/v1/embeddings`),
 * implemented over the default (or configured) models. Structurally matches
 * `ClassificationServiceV1` of `@semroute/server` without depending on it.
 *
 * @module
 */
import {
  type BackendKind,
  createModelLoader,
  type LoadedClassifier,
  type LoadedEmbedder,
  type LoadedTokenClassifier,
} from '../backends/create-model-loader.js';
import { DEFAULT_MODEL_IDS } from '../build/default-model-ids.js';
import { createPersonRecognizer, type PersonRecognizer } from '../pii-patterns/person-recognizer.js';
import { detectPii } from '../signals/pii-signal.js';
import { normalizeLabel } from '../signals/signal-helpers.js';

export interface ClassificationServiceOptions {
  readonly modelsDir?: string;
  readonly backend?: BackendKind;
  /** Model ids or paths; default the default models. */
  readonly models?: {
    readonly domain?: string;
    readonly jailbreak?: string;
    readonly pii?: string;
    readonly embedding?: string;
  };
  /** Risk at or above which `detectJailbreak` says `isJailbreak` (default 0.5). */
  readonly jailbreakThreshold?: number;
  /** PERSON from `compromise` (default) or the PII model only. */
  readonly piiPerson?: 'compromise' | 'model';
}

export interface ClassificationService {
  readonly specificationVersion: 'v1';
  classifyIntent(
    text: string,
    options?: { readonly signal?: AbortSignal },
  ): Promise<{ category: string; confidence: number; probabilities: Record<string, number> }>;
  detectPii(
    text: string,
    options?: { readonly signal?: AbortSignal },
  ): Promise<{ entities: { type: string; start: number; end: number; confidence: number }[] }>;
  detectJailbreak(
    text: string,
    options?: { readonly signal?: AbortSignal },
  ): Promise<{ isJailbreak: boolean; riskScore: number; confidence: number; detectionTypes: string[] }>;
  embed(
    texts: readonly string[],
    options?: { readonly signal?: AbortSignal; readonly model?: string; readonly dimensions?: number },
  ): Promise<{ embeddings: Float32Array[]; model: string }>;
  describe(): {
    task: string;
    modelId: string;
    provider?: string;
    labels?: readonly string[];
    dimensions?: number;
    loaded: boolean;
  }[];
  ready(): boolean;
  /** Waits for every model; rejects with the first load error. */
  loaded(): Promise<void>;
  close(): Promise<void>;
}

const BENIGN = new Set(['benign', 'safe', 'no_jailbreak', 'legitimate']);

/** Starts loading the models at once; methods wait for the model they need. */
export function createClassificationService(
  options: ClassificationServiceOptions = {},
): ClassificationService {
  const loader = createModelLoader({
    backend: options.backend ?? 'onnx',
    modelsDir: options.modelsDir ?? 'models',
  });
  const models = options.models ?? {};
  const domain = loader.loadClassifier({
    model: models.domain ?? DEFAULT_MODEL_IDS.domain,
    configKey: 'global.model_catalog.system.domain_classifier',
  });
  const jailbreak = loader.loadClassifier({
    model: models.jailbreak ?? DEFAULT_MODEL_IDS.jailbreak,
    configKey: 'global.model_catalog.system.prompt_guard',
  });
  const pii = loader.loadTokenClassifier({
    model: models.pii ?? DEFAULT_MODEL_IDS.pii,
    configKey: 'global.model_catalog.system.pii_classifier',
  });
  const embedding = loader.loadEmbedder({
    model: models.embedding ?? DEFAULT_MODEL_IDS.embedding,
    configKey: 'global.model_catalog.system.embedding_model',
  });
  const person: Promise<PersonRecognizer | undefined> =
    (options.piiPerson ?? 'compromise') === 'compromise'
      ? createPersonRecognizer()
      : Promise.resolve(undefined);
  const loadedModels: { task: string; model: LoadedClassifier | LoadedTokenClassifier | LoadedEmbedder }[] =
    [];
  const all = Promise.all([
    domain.then((model) => loadedModels.push({ task: 'intent', model })),
    jailbreak.then((model) => loadedModels.push({ task: 'jailbreak', model })),
    pii.then((model) => loadedModels.push({ task: 'pii', model })),
    embedding.then((model) => loadedModels.push({ task: 'embedding', model })),
    person,
  ]).then(() => undefined);
  all.catch(() => undefined);
  let isReady = false;
  void all.then(() => {
    isReady = true;
  });
  const call = (signal: AbortSignal | undefined) => (signal ? { signal } : {});

  return {
    specificationVersion: 'v1',
    async classifyIntent(text, callOptions) {
      const model = await domain;
      const scores = await model.classify(text, call(callOptions?.signal));
      const labels = model.backend.labels;
      let best = 0;
      for (let index = 1; index < scores.length; index++) if (scores[index]! > scores[best]!) best = index;
      return {
        category: labels[best]!,
        confidence: scores[best]!,
        probabilities: Object.fromEntries(labels.map((label, index) => [label, scores[index]!])),
      };
    },
    async detectPii(text, callOptions) {
      const recogniser = await person;
      const spans = await detectPii(text, await pii, {
        ...call(callOptions?.signal),
        ...(recogniser ? { person: recogniser } : {}),
      });
      return {
        entities: spans.map((span) => ({
          type: span.label,
          start: span.start,
          end: span.end,
          confidence: span.score,
        })),
      };
    },
    async detectJailbreak(text, callOptions) {
      const model = await jailbreak;
      const scores = await model.classify(text, call(callOptions?.signal));
      const labels = model.backend.labels;
      let benign = 0;
      labels.forEach((label, index) => {
        if (BENIGN.has(normalizeLabel(label))) benign += scores[index]!;
      });
      const riskScore = Math.min(1, Math.max(0, 1 - benign));
      const isJailbreak = riskScore >= (options.jailbreakThreshold ?? 0.5);
      return {
        isJailbreak,
        riskScore,
        confidence: isJailbreak ? riskScore : 1 - riskScore,
        detectionTypes: isJailbreak ? ['jailbreak'] : [],
      };
    },
    async embed(texts, callOptions) {
      const model = await embedding;
      const vectors = await Promise.all(texts.map((text) => model.embed(text, call(callOptions?.signal))));
      const dimensions = callOptions?.dimensions;
      const embeddings =
        dimensions && dimensions < model.backend.dimensions
          ? vectors.map((vector) => {
              // Matryoshka truncation, renormalised.
              const cut = vector.slice(0, dimensions);
              const norm = Math.hypot(...cut) || 1;
              return cut.map((value) => value / norm);
            })
          : vectors;
      return { embeddings, model: model.folder.modelId };
    },
    describe() {
      return loadedModels.map(({ task, model }) => ({
        task,
        modelId: model.folder.modelId,
        provider: model.backend.provider,
        ...('labels' in model.backend ? { labels: model.backend.labels } : {}),
        ...('dimensions' in model.backend ? { dimensions: model.backend.dimensions } : {}),
        loaded: true,
      }));
    },
    ready: () => isReady,
    loaded: () => all,
    close: () => loader.close(),
  };
}
