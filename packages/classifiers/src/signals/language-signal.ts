/**
 * Language signal: fastText lid.176 on the last user message; matches when the detected language
 * equals the signal name (`en`, `fr`, ...; `zh-*` variants compare by primary subtag) with at
 * least `threshold` probability (0 or unset ⇒ 0.3, as the reference router).
 *
 * @module
 */
import type { SignalExtractorV1, SignalResult } from '@semroute/core';
import type { LanguageIdentifier, LanguagePrediction } from '../fasttext/create-language-identifier.js';
import { clamp01, createRequestMemo, errorResult } from './signal-helpers.js';

const languageMemo = createRequestMemo<LanguagePrediction[]>();

const primary = (code: string) => code.toLowerCase().split(/[-_]/)[0]!;

export function createLanguageExtractor(options: {
  readonly name: string;
  readonly identifier: LanguageIdentifier;
  readonly threshold: number;
}): SignalExtractorV1 {
  const wanted = primary(options.name);
  const threshold = options.threshold > 0 ? options.threshold : 0.3;
  return {
    specificationVersion: 'v1',
    kind: 'language',
    name: options.name,
    async extract(input): Promise<SignalResult> {
      try {
        const predictions = await languageMemo.get(input, 'lid', async () =>
          options.identifier.identify(input.text, 3),
        );
        const top = predictions[0];
        if (!top) return { status: 'unmatched', confidence: 0 };
        const mine = predictions.find((prediction) => primary(prediction.language) === wanted);
        const labels = [top.language];
        const evidence = [`${top.language}=${top.score.toFixed(3)}`];
        if (mine && primary(top.language) === wanted && mine.score >= threshold)
          return { status: 'matched', confidence: clamp01(mine.score), labels, evidence };
        return { status: 'unmatched', confidence: clamp01(1 - (mine?.score ?? 0)), labels, evidence };
      } catch (error) {
        return errorResult('language', options.name, error);
      }
    },
  };
}
