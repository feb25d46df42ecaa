/**
 * The `keyword` signal family: literal (default), regex, BM25 and n-gram methods, optional fuzzy
 * matching, operators AND / OR / NOR. Confidence follows the reference router:
 * `0.5 + 0.5 × matched / total` when the rule matches (1 for NOR).
 *
 * Everything expensive (the automaton, regexes, n-gram sets) is compiled once here, at load
 * time; `extract` is synchronous.
 *
 * @module
 */

import { levenshtein } from '../config/did-you-mean.js';
import type { KeywordSignalConfig } from '../config/router-config-schema.js';
import type {
  SignalExtractorV1,
  SignalInput,
  SignalResult,
} from '../spec/signal-extractor/v1/signal-extractor-v1.js';
import { KeywordMatcher } from './keyword-matcher.js';

const TOKEN = /[\p{L}\p{N}_]+/gu;

function tokenize(text: string, caseSensitive: boolean): string[] {
  return (caseSensitive ? text : text.toLowerCase()).match(TOKEN) ?? [];
}

function characterNgrams(text: string, arity: number): Set<string> {
  const padded = ` ${text} `;
  const grams = new Set<string>();
  if (padded.length <= arity) {
    grams.add(padded);
    return grams;
  }
  for (let index = 0; index + arity <= padded.length; index++) grams.add(padded.slice(index, index + arity));
  return grams;
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const gram of a) if (b.has(gram)) shared++;
  return shared / (a.size + b.size - shared || 1);
}

/** Per-keyword "is it present" test for one method. */
type KeywordTester = (input: { text: string; tokens: () => string[] }) => boolean[];

function buildTester(config: KeywordSignalConfig): KeywordTester {
  const caseSensitive = config.case_sensitive;
  const keywords = config.keywords;
  switch (config.method) {
    case 'regex': {
      const patterns = keywords.map((pattern) => new RegExp(pattern, caseSensitive ? 'u' : 'iu'));
      return ({ text }) => patterns.map((pattern) => pattern.test(text));
    }
    case 'bm25': {
      // BM25 term saturation per keyword, scaled to [0, 1] by (k1 + 1); a multi-word keyword
      // scores its weakest term. Matches when the score reaches the threshold (default 0.1).
      const k1 = 1.2;
      const b = 0.75;
      const averageLength = 64;
      const threshold = config.threshold ?? 0.1;
      const keywordTerms = keywords.map((keyword) => tokenize(keyword, caseSensitive));
      return ({ tokens }) => {
        const words = tokens();
        const frequencies = new Map<string, number>();
        for (const word of words) frequencies.set(word, (frequencies.get(word) ?? 0) + 1);
        const norm = k1 * (1 - b + (b * words.length) / averageLength);
        return keywordTerms.map((terms) => {
          if (terms.length === 0) return false;
          let weakest = Number.POSITIVE_INFINITY;
          for (const term of terms) {
            const tf = frequencies.get(term) ?? 0;
            weakest = Math.min(weakest, (tf * (k1 + 1)) / (tf + norm) / (k1 + 1));
          }
          return weakest >= threshold;
        });
      };
    }
    case 'ngram': {
      // Character n-gram Jaccard similarity between each keyword and the best text window of
      // the same word count; tolerant of typos and inflections.
      const arity = config.ngram_arity ?? 3;
      const threshold = config.threshold ?? 0.4;
      const prepared = keywords.map((keyword) => {
        const words = tokenize(keyword, caseSensitive);
        return { width: Math.max(1, words.length), grams: characterNgrams(words.join(' '), arity) };
      });
      return ({ tokens }) => {
        const words = tokens();
        return prepared.map(({ width, grams }) => {
          for (let start = 0; start + width <= Math.max(words.length, width); start++) {
            const window = words.slice(start, start + width).join(' ');
            if (window && jaccard(grams, characterNgrams(window, arity)) >= threshold) return true;
          }
          return false;
        });
      };
    }
    default: {
      const matcher = new KeywordMatcher(keywords, { caseSensitive });
      const fuzzy = config.fuzzy_match && config.fuzzy_threshold > 0;
      const keywordWords = fuzzy ? keywords.map((keyword) => tokenize(keyword, caseSensitive)) : [];
      const limit = config.fuzzy_threshold;
      return ({ text, tokens }) => {
        // OR needs only one hit to decide the match, but confidence counts every keyword, so
        // the scan is always complete.
        const { found } = matcher.match(text);
        if (!fuzzy) return found;
        const words = tokens();
        return found.map((hit, index) => {
          if (hit) return true;
          const target = keywordWords[index]!;
          if (target.length === 0) return false;
          const phrase = target.join(' ');
          // Short words tolerate fewer edits, or every three-letter word would match.
          const allowed = Math.min(limit, Math.floor(phrase.length / 4));
          if (allowed === 0) return false;
          for (let start = 0; start + target.length <= words.length; start++) {
            const window =
              target.length === 1 ? words[start]! : words.slice(start, start + target.length).join(' ');
            if (Math.abs(window.length - phrase.length) > allowed) continue;
            if (levenshtein(window, phrase, allowed) <= allowed) return true;
          }
          return false;
        });
      };
    }
  }
}

/** Creates the extractor for one `routing.signals.keywords[]` entry. */
export function createKeywordSignal(config: KeywordSignalConfig): SignalExtractorV1 {
  const tester = buildTester(config);
  const total = config.keywords.length;
  return {
    specificationVersion: 'v1',
    kind: 'keyword',
    name: config.name,
    extract(input: SignalInput): SignalResult {
      let cachedTokens: string[] | undefined;
      const tokens = () => {
        cachedTokens ??= tokenize(input.text, config.case_sensitive);
        return cachedTokens;
      };
      const found = tester({ text: input.text, tokens });
      const evidence: string[] = [];
      found.forEach((hit, index) => {
        if (hit) evidence.push(config.keywords[index]!);
      });
      const matched = evidence.length;
      const ratio = matched / total;
      switch (config.operator) {
        case 'AND':
          return matched === total
            ? { status: 'matched', confidence: 1, evidence }
            : { status: 'unmatched', confidence: 0.5 * ratio, evidence };
        case 'NOR':
          return matched === 0
            ? { status: 'matched', confidence: 1 }
            : { status: 'unmatched', confidence: 0, evidence };
        default:
          return matched > 0
            ? { status: 'matched', confidence: 0.5 + 0.5 * ratio, evidence }
            : { status: 'unmatched', confidence: 0 };
      }
    },
  };
}
