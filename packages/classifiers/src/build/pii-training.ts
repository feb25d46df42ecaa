/**
 * Turns PII sentences into token-level BIO training rows for the window token classifier, using
 * the same tokenizer and offset alignment the runtime uses.
 *
 * @module
 */
import type { TextTokenizer } from '../model/text-tokenizer.js';
import type { PiiSentence } from './datasets.js';
import { type EmbeddingTable, windowFeatures } from './glove-features.js';

/** Entity types the default PII model learns; pattern recognisers cover the rest. */
export const PII_MODEL_ENTITIES = [
  'PERSON',
  'STREET_ADDRESS',
  'GPE',
  'ORGANIZATION',
  'DATE_TIME',
  'TITLE',
  'NRP',
  'AGE',
  'ZIP_CODE',
] as const;

/** `O`, then `B-X`, `I-X` for each entity. */
export function bioLabels(entities: readonly string[]): string[] {
  return ['O', ...entities.flatMap((entity) => [`B-${entity}`, `I-${entity}`])];
}

export interface TokenRows {
  readonly features: Float32Array;
  readonly targets: Int32Array;
  readonly width: number;
}

/** Window features and BIO targets for every token of every sentence. */
export function tokenTrainingRows(
  table: EmbeddingTable,
  tokenizer: TextTokenizer,
  sentences: readonly PiiSentence[],
  labels: readonly string[],
): TokenRows {
  const width = table.dimensions * 3;
  const featureChunks: Float32Array[] = [];
  const targets: number[] = [];
  const index = new Map(labels.map((label, position) => [label, position]));
  for (const sentence of sentences) {
    const encoded = tokenizer.encode(sentence.text, { offsets: true });
    const offsets = encoded.offsets!;
    featureChunks.push(windowFeatures(table, encoded.ids));
    let previousEntity: (typeof sentence.entities)[number] | undefined;
    for (let t = 0; t < encoded.ids.length; t++) {
      const start = offsets[t * 2]!;
      const entity =
        start < 0
          ? undefined
          : sentence.entities.find((candidate) => start >= candidate.start && start < candidate.end);
      const known = entity && index.has(`B-${entity.type}`) ? entity : undefined;
      if (!known) targets.push(0);
      else targets.push(index.get(`${previousEntity === known ? 'I' : 'B'}-${known.type}`)!);
      previousEntity = known;
    }
  }
  const features = new Float32Array(targets.length * width);
  let offset = 0;
  for (const chunk of featureChunks) {
    features.set(chunk, offset);
    offset += chunk.length;
  }
  return { features, targets: Int32Array.from(targets), width };
}
