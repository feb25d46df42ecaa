/**
 * The management API's classification service over @semroute/classifiers' default models:
 * intent (domain), PII (model spans merged with pattern recognisers), jailbreak and
 * embeddings. Models load lazily on first use and are shared by every endpoint.
 *
 * @module
 */
import type { ModelLoader } from '@semroute/classifiers';
import type { ClassificationServiceV1, ClassifierModelInfo } from '@semroute/server';

export interface StackClassificationOptions {
  readonly modelsDir: string;
  readonly backend?: 'onnx' | 'wasm' | 'transformers';
}

export async function createStackClassificationService(
  options: StackClassificationOptions,
): Promise<ClassificationServiceV1 & { close(): Promise<void> }> {
  const classifiers = await import('@semroute/classifiers');
  const loader: ModelLoader = classifiers.createModelLoader({
    modelsDir: options.modelsDir,
    backend: options.backend === 'wasm' ? 'wasm' : 'onnx',
  });
  const ids = classifiers.DEFAULT_MODEL_IDS;
  const domain = () => loader.loadClassifier({ model: ids.domain });
  const jailbreak = () => loader.loadClassifier({ model: ids.jailbreak });
  const pii = () => loader.loadTokenClassifier({ model: ids.pii });
  const embedder = () => loader.loadEmbedder({ model: ids.embedding });
  const described: ClassifierModelInfo[] = [];
  const remember = (info: ClassifierModelInfo) => {
    if (!described.some((entry) => entry.task === info.task)) described.push(info);
  };

  return {
    specificationVersion: 'v1',
    async classifyIntent(text, callOptions) {
      const model = await domain();
      const scores = await model.classify(
        text,
        callOptions?.signal ? { signal: callOptions.signal } : undefined,
      );
      const labels = model.backend.labels;
      let best = 0;
      for (let index = 1; index < scores.length; index++) if (scores[index]! > scores[best]!) best = index;
      remember({
        task: 'intent',
        modelId: model.folder.modelId,
        provider: model.backend.provider,
        labels,
        loaded: true,
      });
      return {
        category: labels[best] ?? 'other',
        confidence: scores[best] ?? 0,
        probabilities: Object.fromEntries(labels.map((label, index) => [label, scores[index] ?? 0])),
      };
    },
    async detectPii(text, callOptions) {
      const model = await pii();
      const entities = await classifiers.detectPii(
        text,
        model,
        callOptions?.signal ? { signal: callOptions.signal } : {},
      );
      remember({
        task: 'pii',
        modelId: model.folder.modelId,
        provider: model.backend.provider,
        labels: model.backend.labels,
        loaded: true,
      });
      return {
        entities: entities.map((entity) => ({
          type: entity.label,
          confidence: entity.score,
          start: entity.start,
          end: entity.end,
        })),
      };
    },
    async detectJailbreak(text, callOptions) {
      const model = await jailbreak();
      const scores = await model.classify(
        text,
        callOptions?.signal ? { signal: callOptions.signal } : undefined,
      );
      const labels = model.backend.labels;
      const positive = labels.findIndex((label) => /jailbreak|injection|malicious|unsafe/i.test(label));
      const risk = positive >= 0 ? (scores[positive] ?? 0) : 0;
      remember({
        task: 'jailbreak',
        modelId: model.folder.modelId,
        provider: model.backend.provider,
        labels,
        loaded: true,
      });
      return {
        isJailbreak: risk >= 0.5,
        riskScore: risk,
        confidence: Math.max(risk, 1 - risk),
        ...(risk >= 0.5 ? { detectionTypes: ['jailbreak'] } : {}),
      };
    },
    async embed(texts) {
      const model = await embedder();
      const embeddings = await model.embedMany(texts);
      remember({
        task: 'embedding',
        modelId: model.folder.modelId,
        provider: model.backend.provider,
        dimensions: model.backend.dimensions,
        loaded: true,
      });
      return { embeddings, model: model.folder.modelId };
    },
    describe: () => described,
    ready: () => true,
    close: () => loader.close(),
  };
}
