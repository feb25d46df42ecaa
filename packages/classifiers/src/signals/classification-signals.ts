/**
 * Extractors over sequence classifiers: domain, jailbreak, fact_check, user_feedback and the
 * generic `classifier` signal. Several signals over one model share one call per request.
 *
 * @module
 */
import type { SignalExtractorV1, SignalInput, SignalKind, SignalResult } from '@semroute/core';
import { ModelLoadError } from '@semroute/core';
import type { LoadedClassifier } from '../backends/create-model-loader.js';
import { clamp01, createRequestMemo, errorResult, normalizeLabel, signalTexts } from './signal-helpers.js';

/** Scores of one model for one request's text(s), shared by every signal over that model. */
const scoreMemo = createRequestMemo<Float32Array[]>();

function scoresFor(
  model: LoadedClassifier,
  input: SignalInput,
  texts: readonly string[],
  signal: AbortSignal | undefined,
) {
  return scoreMemo.get(input, `${model.folder.dir}\u0000${texts.length === 1 ? 'last' : 'history'}`, () =>
    Promise.all(texts.map((text) => model.classify(text, signal ? { signal } : {}))),
  );
}

function argmax(scores: Float32Array): number {
  let best = 0;
  for (let index = 1; index < scores.length; index++) if (scores[index]! > scores[best]!) best = index;
  return best;
}

export interface DomainSignalOptions {
  readonly name: string;
  readonly model: LoadedClassifier;
  /** The signal name plus `mmlu_categories`. */
  readonly categories: readonly string[];
  readonly threshold: number;
  readonly fallbackCategory: string;
}

/**
 * Domain: one classifier call; the predicted label (or `fallback_category` when its score is
 * below the threshold) matches when it equals the signal name or one of its mmlu_categories.
 */
export function createDomainExtractor(options: DomainSignalOptions): SignalExtractorV1 {
  const wanted = new Set(options.categories.map(normalizeLabel));
  const labels = options.model.backend.labels;
  return {
    specificationVersion: 'v1',
    kind: 'domain',
    name: options.name,
    async extract(input, callOptions): Promise<SignalResult> {
      try {
        const [scores] = await scoresFor(options.model, input, [input.text], callOptions.signal);
        const best = argmax(scores!);
        const score = scores![best]!;
        const label = score >= options.threshold ? labels[best]! : options.fallbackCategory;
        const confidence = clamp01(score >= options.threshold ? score : 1 - score);
        const evidence = [`${labels[best]}=${score.toFixed(3)}`];
        return wanted.has(normalizeLabel(label))
          ? { status: 'matched', confidence, labels: [label], evidence }
          : { status: 'unmatched', confidence, labels: [label], evidence };
      } catch (error) {
        return errorResult('domain', options.name, error);
      }
    },
  };
}

/** Labels that mean "safe" in prompt-guard models; every other label counts as an attack. */
const BENIGN_LABELS = new Set(['benign', 'safe', 'no_jailbreak', 'legitimate', 'label_0']);

export interface JailbreakSignalOptions {
  readonly name: string;
  /** Absent for `contrastive`-only signals. */
  readonly model: LoadedClassifier | undefined;
  readonly method: 'classifier' | 'contrastive' | 'hybrid';
  readonly threshold: number;
  readonly includeHistory: boolean;
  readonly jailbreakPatterns: readonly RegExp[];
  readonly benignPatterns: readonly RegExp[];
  /** For `contrastive`/`hybrid`: similarity margin of a text to jailbreak vs benign exemplars. */
  readonly contrastive?: (
    texts: readonly string[],
    input: SignalInput,
    signal: AbortSignal | undefined,
  ) => Promise<number>;
}

/**
 * Jailbreak: P(attack) = 1 − P(benign label) from the prompt-guard classifier (max over user
 * messages with include_history). `jailbreak_patterns` (regexes) match outright; a
 * `benign_patterns` hit without a jailbreak pattern hit vetoes the classifier. `contrastive`
 * scores the exemplar-similarity margin; `hybrid` takes the larger of the two.
 */
export function createJailbreakExtractor(options: JailbreakSignalOptions): SignalExtractorV1 {
  const labels = options.model?.backend.labels ?? [];
  const benignIndexes = labels.flatMap((label, index) =>
    BENIGN_LABELS.has(normalizeLabel(label)) ? [index] : [],
  );
  return {
    specificationVersion: 'v1',
    kind: 'jailbreak',
    name: options.name,
    async extract(input, callOptions): Promise<SignalResult> {
      try {
        const texts = signalTexts(input, options.includeHistory);
        const pattern = options.jailbreakPatterns.find((regex) => texts.some((text) => regex.test(text)));
        if (pattern)
          return {
            status: 'matched',
            confidence: 1,
            labels: ['jailbreak'],
            evidence: [`pattern ${pattern.source}`],
          };
        const benign = options.benignPatterns.find((regex) => texts.some((text) => regex.test(text)));
        if (benign)
          return { status: 'unmatched', confidence: 1, evidence: [`benign pattern ${benign.source}`] };
        let score = 0;
        const evidence: string[] = [];
        if (options.model && options.method !== 'contrastive') {
          const all = await scoresFor(options.model, input, texts, callOptions.signal);
          for (const scores of all) {
            const benignProbability = benignIndexes.reduce((sum, index) => sum + scores[index]!, 0);
            score = Math.max(
              score,
              benignIndexes.length > 0 ? 1 - benignProbability : scores[argmax(scores)]!,
            );
          }
          evidence.push(`classifier=${score.toFixed(3)}`);
        }
        if (options.contrastive && options.method !== 'classifier') {
          const margin = await options.contrastive(texts, input, callOptions.signal);
          evidence.push(`contrastive=${margin.toFixed(3)}`);
          score = Math.max(score, margin);
        }
        return score >= options.threshold
          ? { status: 'matched', confidence: clamp01(score), labels: ['jailbreak'], evidence }
          : { status: 'unmatched', confidence: clamp01(1 - score), evidence };
      } catch (error) {
        return errorResult('jailbreak', options.name, error);
      }
    },
  };
}

export interface LabelSignalOptions {
  readonly kind: SignalKind;
  readonly name: string;
  readonly model: LoadedClassifier;
  /** Labels that make the signal match (default: the model label equal to the signal name). */
  readonly labels: readonly string[];
  readonly threshold: number;
  readonly multiLabel: boolean;
}

/**
 * Generic classifier signal (also fact_check and user_feedback): matches when the model's top
 * label (or, multi-label, any label) in `labels` scores at least `threshold`.
 */
export function createLabelExtractor(options: LabelSignalOptions): SignalExtractorV1 {
  const modelLabels = options.model.backend.labels;
  const wanted = (options.labels.length > 0 ? options.labels : [options.name]).map(normalizeLabel);
  const indexes = wanted.map((label) =>
    modelLabels.findIndex((candidate) => normalizeLabel(candidate) === label),
  );
  if (indexes.every((index) => index < 0)) {
    throw new ModelLoadError({
      message: `${options.kind} signal "${options.name}": model ${options.model.folder.dir} has labels [${modelLabels.join(', ')}], none of [${wanted.join(', ')}]`,
      path: options.model.folder.dir,
    });
  }
  return {
    specificationVersion: 'v1',
    kind: options.kind,
    name: options.name,
    async extract(input, callOptions): Promise<SignalResult> {
      try {
        const [scores] = await scoresFor(options.model, input, [input.text], callOptions.signal);
        const best = argmax(scores!);
        const hits = indexes.filter(
          (index) =>
            index >= 0 && scores![index]! >= options.threshold && (options.multiLabel || index === best),
        );
        const top = modelLabels[best]!;
        if (hits.length > 0) {
          return {
            status: 'matched',
            confidence: clamp01(Math.max(...hits.map((index) => scores![index]!))),
            labels: hits.map((index) => modelLabels[index]!),
            evidence: [`${top}=${scores![best]!.toFixed(3)}`],
          };
        }
        return { status: 'unmatched', confidence: clamp01(scores![best]!), labels: [top] };
      } catch (error) {
        return errorResult(options.kind, options.name, error);
      }
    },
  };
}
