/**
 * `semroute classify`: one text through one task's model, as plain data.
 *
 * @module
 */
import type { TokenSpan } from '@semroute/core';
import { type BackendKind, createModelLoader } from '../backends/create-model-loader.js';
import { DEFAULT_MODEL_IDS } from '../build/default-model-ids.js';
import { createLanguageIdentifier } from '../fasttext/create-language-identifier.js';
import { createPersonRecognizer } from '../pii-patterns/person-recognizer.js';
import { detectPii } from '../signals/pii-signal.js';

export type ClassifyTask = 'domain' | 'jailbreak' | 'pii' | 'language' | 'embed';

export type ClassifyResult =
  | {
      readonly task: 'domain' | 'jailbreak';
      readonly model: string;
      readonly label: string;
      readonly score: number;
      readonly scores: Readonly<Record<string, number>>;
    }
  | {
      readonly task: 'pii';
      readonly model: string;
      readonly entities: readonly (TokenSpan & { readonly text: string })[];
    }
  | {
      readonly task: 'language';
      readonly model: string;
      readonly language: string;
      readonly score: number;
      readonly alternatives: readonly { language: string; score: number }[];
    }
  | {
      readonly task: 'embed';
      readonly model: string;
      readonly dimensions: number;
      readonly embedding: readonly number[];
    };

export async function classifyText(options: {
  readonly task: ClassifyTask;
  readonly text: string;
  readonly modelsDir?: string;
  readonly backend?: BackendKind;
  /** Model id or folder (default: the task's default model). */
  readonly model?: string;
}): Promise<ClassifyResult> {
  const { task, text } = options;
  if (task === 'language') {
    const identifier = await createLanguageIdentifier(options.model ? { model: options.model } : {});
    const predictions = identifier.identify(text, 3);
    identifier.dispose();
    return {
      task,
      model: identifier.modelId,
      language: predictions[0]?.language ?? 'und',
      score: predictions[0]?.score ?? 0,
      alternatives: predictions.slice(1),
    };
  }
  const loader = createModelLoader({
    backend: options.backend ?? 'onnx',
    modelsDir: options.modelsDir ?? 'models',
  });
  try {
    if (task === 'embed') {
      const model = await loader.loadEmbedder({ model: options.model ?? DEFAULT_MODEL_IDS.embedding });
      const vector = await model.embed(text);
      return { task, model: model.folder.modelId, dimensions: vector.length, embedding: [...vector] };
    }
    if (task === 'pii') {
      const model = await loader.loadTokenClassifier({ model: options.model ?? DEFAULT_MODEL_IDS.pii });
      const spans = await detectPii(text, model, { person: await createPersonRecognizer() });
      return {
        task,
        model: model.folder.modelId,
        entities: spans.map((span) => ({ ...span, text: text.slice(span.start, span.end) })),
      };
    }
    const model = await loader.loadClassifier({
      model: options.model ?? (task === 'domain' ? DEFAULT_MODEL_IDS.domain : DEFAULT_MODEL_IDS.jailbreak),
    });
    const scores = await model.classify(text);
    const labels = model.backend.labels;
    let best = 0;
    for (let j = 1; j < scores.length; j++) if (scores[j]! > scores[best]!) best = j;
    return {
      task,
      model: model.folder.modelId,
      label: labels[best]!,
      score: scores[best]!,
      scores: Object.fromEntries(labels.map((label, index) => [label, scores[index]!])),
    };
  } finally {
    await loader.close();
  }
}
