/**
 * The `structure` signal family: counts a textual feature of the last user message (regex
 * matches, keyword-set hits, ordered keyword sequences, UTF-8 size) and compares it with a
 * numeric predicate. `density` divides the count by the number of words.
 *
 * @module
 */
import type { StructureSignalConfig } from '../config/router-config-schema.js';
import type {
  SignalExtractorV1,
  SignalInput,
  SignalResult,
} from '../spec/signal-extractor/v1/signal-extractor-v1.js';
import { KeywordMatcher } from './keyword-matcher.js';
import { satisfiesPredicate } from './numeric-predicate.js';

const encoder = new TextEncoder();
const WORDS = /[\p{L}\p{N}_]+/gu;

function countSource(config: StructureSignalConfig): (text: string) => number {
  const source = config.feature.source;
  const flags = source.case_sensitive ? 'gu' : 'giu';
  switch (source.type) {
    case 'regex': {
      const pattern = new RegExp(source.pattern ?? '(?!)', flags);
      return (text) => {
        let count = 0;
        pattern.lastIndex = 0;
        for (const match of text.matchAll(pattern)) if (match[0] !== '' || match.index !== undefined) count++;
        return count;
      };
    }
    case 'keyword_set': {
      const matcher = new KeywordMatcher(source.keywords ?? [], { caseSensitive: source.case_sensitive });
      return (text) => matcher.countOccurrences(text);
    }
    case 'sequence': {
      // A sequence counts when its keywords occur in order (each after the previous one).
      const sequences = (source.sequences ?? []).map((sequence) =>
        sequence.map((item) => (source.case_sensitive ? item : item.toLowerCase())),
      );
      return (text) => {
        const haystack = source.case_sensitive ? text : text.toLowerCase();
        let count = 0;
        for (const sequence of sequences) {
          let from = 0;
          let complete = true;
          for (const item of sequence) {
            const at = haystack.indexOf(item, from);
            if (at < 0) {
              complete = false;
              break;
            }
            from = at + item.length;
          }
          if (complete) count++;
        }
        return count;
      };
    }
    case 'text_bytes':
      return (text) => encoder.encode(text).length;
  }
}

export function createStructureSignal(config: StructureSignalConfig): SignalExtractorV1 {
  const count = countSource(config);
  return {
    specificationVersion: 'v1',
    kind: 'structure',
    name: config.name,
    extract(input: SignalInput): SignalResult {
      const raw = count(input.text);
      let value = raw;
      if (config.feature.type === 'exists') value = raw > 0 ? 1 : 0;
      else if (config.feature.type === 'density')
        value = raw / Math.max(1, input.text.match(WORDS)?.length ?? 0);
      const evidence = [`${config.feature.type}=${Number.isInteger(value) ? value : value.toFixed(4)}`];
      return satisfiesPredicate(value, config.predicate)
        ? { status: 'matched', confidence: 1, evidence }
        : { status: 'unmatched', confidence: 0, evidence };
    },
  };
}
