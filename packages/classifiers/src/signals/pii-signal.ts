/**
 * PII signal: token-classifier spans merged with pattern recognisers (Presidio names). Matches
 * when an entity type outside `pii_types_allowed` is found at or above the threshold. `labels`
 * holds every detected type; `evidence` the disallowed ones with offsets.
 *
 * @module
 */
import type { SignalExtractorV1, SignalInput, SignalResult, TokenSpan } from '@semroute/core';
import type { LoadedTokenClassifier } from '../backends/create-model-loader.js';
import type { PersonRecognizer } from '../pii-patterns/person-recognizer.js';
import { mergeEntitySpans, recognizePatterns } from '../pii-patterns/pii-pattern-recognizers.js';
import { createRequestMemo, errorResult, signalTexts } from './signal-helpers.js';

const spanMemo = createRequestMemo<TokenSpan[][]>();

/** Types that name something: a span of them must hold a letter and two or more characters. */
const NAME_TYPES = new Set(['PERSON', 'GPE', 'ORGANIZATION', 'NRP', 'TITLE', 'LOCATION']);

/** Drops model spans that cannot be what they claim (e.g. a lone digit tagged GPE). */
export function plausibleSpan(text: string, span: TokenSpan): boolean {
  const value = text.slice(span.start, span.end);
  if (NAME_TYPES.has(span.label)) return value.length >= 2 && /\p{L}/u.test(value);
  if (span.label === 'AGE' || span.label === 'ZIP_CODE') return /\d/.test(value);
  return value.trim().length >= 2;
}

/**
 * Finds PII entities in one text: model spans (when a model is given), PERSON spans from the
 * person recogniser (which then replaces the model's PERSON spans), and validated pattern spans
 * (which win every overlap).
 */
export async function detectPii(
  text: string,
  model: LoadedTokenClassifier | undefined,
  options: { readonly signal?: AbortSignal; readonly person?: PersonRecognizer } = {},
): Promise<TokenSpan[]> {
  let spans: TokenSpan[] = model
    ? (await model.classifyTokens(text, options.signal ? { signal: options.signal } : {})).filter((span) =>
        plausibleSpan(text, span),
      )
    : [];
  if (options.person) {
    const people = options.person(text);
    spans = [
      ...spans.filter(
        (span) =>
          span.label !== 'PERSON' &&
          !people.some((person) => span.start < person.end && person.start < span.end),
      ),
      ...people,
    ];
  }
  return mergeEntitySpans(spans, recognizePatterns(text));
}

export interface PiiSignalOptions {
  readonly name: string;
  readonly model: LoadedTokenClassifier | undefined;
  readonly threshold: number;
  readonly includeHistory: boolean;
  readonly allowed: readonly string[];
  readonly person?: PersonRecognizer;
}

export function createPiiExtractor(options: PiiSignalOptions): SignalExtractorV1 {
  const allowed = new Set(options.allowed.map((type) => type.toUpperCase()));
  return {
    specificationVersion: 'v1',
    kind: 'pii',
    name: options.name,
    async extract(input: SignalInput, callOptions): Promise<SignalResult> {
      try {
        const texts = signalTexts(input, options.includeHistory);
        const all = await spanMemo.get(
          input,
          `${options.model?.folder.dir ?? 'patterns'}\u0000${texts.length === 1 ? 'last' : 'history'}`,
          () =>
            Promise.all(
              texts.map((text) =>
                detectPii(text, options.model, {
                  ...(callOptions.signal ? { signal: callOptions.signal } : {}),
                  ...(options.person ? { person: options.person } : {}),
                }),
              ),
            ),
        );
        const found = all.flat().filter((span) => span.score >= options.threshold);
        const types = [...new Set(found.map((span) => span.label))].sort();
        const disallowed = found.filter((span) => !allowed.has(span.label));
        if (disallowed.length === 0) return { status: 'unmatched', confidence: 1, labels: types };
        return {
          status: 'matched',
          confidence: Math.max(...disallowed.map((span) => span.score)),
          labels: types,
          evidence: disallowed.map((span) => `${span.label}@${span.start}-${span.end}`),
        };
      } catch (error) {
        return errorResult('pii', options.name, error);
      }
    },
  };
}
