/**
 * The `context` signal family: matches when the prompt's estimated token count lies within
 * `[min_tokens, max_tokens]` (either bound optional; `32K` shorthands are resolved by the schema).
 *
 * @module
 */
import type { ContextSignalConfig } from '../config/router-config-schema.js';
import type {
  SignalExtractorV1,
  SignalInput,
  SignalResult,
} from '../spec/signal-extractor/v1/signal-extractor-v1.js';

export function createContextSignal(config: ContextSignalConfig): SignalExtractorV1 {
  const min = config.min_tokens ?? 0;
  const max = config.max_tokens ?? Number.POSITIVE_INFINITY;
  return {
    specificationVersion: 'v1',
    kind: 'context',
    name: config.name,
    extract(input: SignalInput): SignalResult {
      const evidence = [`${input.tokenCount} tokens`];
      return input.tokenCount >= min && input.tokenCount <= max
        ? { status: 'matched', confidence: 1, evidence }
        : { status: 'unmatched', confidence: 0, evidence };
    },
  };
}
