/**
 * Builds labelled cache-query pairs from a list of questions (e.g. MMLU-Pro), for measuring a
 * semantic cache's hit and false-hit rates. Deterministic for a seed.
 *
 * Paraphrases (should hit): surface rewrites (case, punctuation, spacing), polite wrappers,
 * synonym and contraction swaps, and typos. Non-paraphrases (must not hit): a random other
 * question of the same category, the lexically closest other question of the same category,
 * and the same question with one number changed (same wording, different answer: the most
 * dangerous case for a cache).
 *
 * @module
 */
import type { LabelledPair } from './tune-threshold.js';

export interface QuestionRecord {
  readonly question: string;
  readonly category: string;
}

export interface BuildPairsOptions {
  /** Questions sampled as anchors (default 1000). */
  readonly anchors?: number;
  readonly seed?: number;
}

const SYNONYMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bcalculate\b/gi, 'compute'],
  [/\bdetermine\b/gi, 'work out'],
  [/\bwhich of the following\b/gi, 'which one of these'],
  [/\bwhat is\b/gi, "what's"],
  [/\bWhat is\b/g, "What's"],
  [/\bapproximately\b/gi, 'roughly'],
  [/\bfind\b/gi, 'determine'],
  [/\bdoes not\b/gi, "doesn't"],
  [/\bis not\b/gi, "isn't"],
  [/\bbest describes\b/gi, 'most accurately describes'],
  [/\bthe following\b/gi, 'these'],
  [/\bmost likely\b/gi, 'most probably'],
  [/\bexplain\b/gi, 'describe'],
  [/\bIn a\b/g, 'For a'],
];

const WRAPPERS: ReadonlyArray<(text: string) => string> = [
  (text) => `Quick question: ${text}`,
  (text) => `${text} Please answer briefly.`,
  (text) => `Can you help me with this? ${text}`,
  (text) => `I need help. ${text}`,
  (text) => `${text} Thanks!`,
];

function createRandom(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

const tokens = (text: string) => new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const token of a) if (b.has(token)) shared++;
  return shared / (a.size + b.size - shared || 1);
}

function typo(text: string, random: () => number): string {
  const words = text.split(' ');
  const candidates = words
    .map((word, index) => ({ word, index }))
    .filter(({ word }) => /^[a-z]{5,}$/i.test(word));
  for (let count = 0; count < 2 && candidates.length > 0; count++) {
    const pick = candidates.splice(Math.floor(random() * candidates.length), 1)[0] as {
      word: string;
      index: number;
    };
    const position = 1 + Math.floor(random() * (pick.word.length - 2));
    words[pick.index] =
      pick.word.slice(0, position) +
      (pick.word[position + 1] ?? '') +
      (pick.word[position] ?? '') +
      pick.word.slice(position + 2);
  }
  return words.join(' ');
}

function changeNumber(text: string, random: () => number): string | undefined {
  const numbers = [...text.matchAll(/\b\d+(\.\d+)?\b/g)];
  if (numbers.length === 0) return undefined;
  const match = numbers[Math.floor(random() * numbers.length)] as RegExpMatchArray;
  const value = Number(match[0]);
  const replacement = match[1]
    ? (value * 1.5).toFixed(match[1].length - 1)
    : String(value + 1 + Math.floor(random() * 9));
  const index = match.index ?? 0;
  return text.slice(0, index) + replacement + text.slice(index + match[0].length);
}

/** Builds the pairs. Each anchor yields two paraphrases and up to three non-paraphrases. */
export function buildParaphrasePairs(
  questions: readonly QuestionRecord[],
  options: BuildPairsOptions = {},
): LabelledPair[] {
  const random = createRandom(options.seed ?? 42);
  const cleaned = questions
    .map((record) => ({ question: record.question.trim().replace(/\s+/g, ' '), category: record.category }))
    .filter((record) => record.question.length >= 20);
  const byCategory = new Map<string, number[]>();
  cleaned.forEach((record, index) => {
    const list = byCategory.get(record.category) ?? [];
    list.push(index);
    byCategory.set(record.category, list);
  });
  const tokenSets = cleaned.map((record) => tokens(record.question));
  const anchorCount = Math.min(options.anchors ?? 1000, cleaned.length);
  const order = cleaned.map((_, index) => index);
  for (let index = order.length - 1; index > 0; index--) {
    const swap = Math.floor(random() * (index + 1));
    [order[index], order[swap]] = [order[swap] as number, order[index] as number];
  }
  const pairs: LabelledPair[] = [];
  for (const anchorIndex of order.slice(0, anchorCount)) {
    const anchor = cleaned[anchorIndex] as QuestionRecord;
    const text = anchor.question;
    // Paraphrases: one light (surface or wrapper), one heavier (synonyms + typo or wrapper).
    const surface =
      random() < 0.5
        ? text
            .toLowerCase()
            .replace(/[?!;:]+|[.,](?!\d)/g, '')
            .trim()
        : (WRAPPERS[Math.floor(random() * WRAPPERS.length)] as (t: string) => string)(text);
    pairs.push({ a: text, b: surface, paraphrase: true, kind: 'surface-or-wrapper' });
    let reworded = text;
    for (const [pattern, replacement] of SYNONYMS) reworded = reworded.replace(pattern, replacement);
    reworded = typo(
      reworded === text
        ? (WRAPPERS[Math.floor(random() * WRAPPERS.length)] as (t: string) => string)(text)
        : reworded,
      random,
    );
    pairs.push({ a: text, b: reworded, paraphrase: true, kind: 'synonyms-typos' });
    // Non-paraphrases.
    const sameCategory = (byCategory.get(anchor.category) ?? []).filter(
      (index) => index !== anchorIndex && cleaned[index]?.question !== text,
    );
    if (sameCategory.length > 0) {
      const other = cleaned[
        sameCategory[Math.floor(random() * sameCategory.length)] as number
      ] as QuestionRecord;
      pairs.push({ a: text, b: other.question, paraphrase: false, kind: 'same-category' });
      let best = -1;
      let bestScore = -1;
      for (const index of sameCategory) {
        const score = jaccard(tokenSets[anchorIndex] as Set<string>, tokenSets[index] as Set<string>);
        if (score > bestScore) {
          bestScore = score;
          best = index;
        }
      }
      pairs.push({
        a: text,
        b: (cleaned[best] as QuestionRecord).question,
        paraphrase: false,
        kind: 'closest-same-category',
      });
    }
    const changed = changeNumber(text, random);
    if (changed !== undefined && changed !== text)
      pairs.push({ a: text, b: changed, paraphrase: false, kind: 'number-changed' });
  }
  return pairs;
}
