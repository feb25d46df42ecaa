/**
 * The `metadata` signal family: caller-supplied hints, read from the request body's
 * `metadata` object (OpenAI's field) or, failing that, from an `x-vsr-metadata-<key>` header.
 *
 * @module
 */
import type { MetadataSignalConfig } from '../config/router-config-schema.js';
import type {
  SignalExtractorV1,
  SignalInput,
  SignalResult,
} from '../spec/signal-extractor/v1/signal-extractor-v1.js';

export function createMetadataSignal(config: MetadataSignalConfig): SignalExtractorV1 {
  const headerName = `x-vsr-metadata-${config.key.toLowerCase()}`;
  return {
    specificationVersion: 'v1',
    kind: 'metadata',
    name: config.name,
    extract(input: SignalInput): SignalResult {
      const metadata = input.request.metadata;
      let value: string | undefined;
      if (metadata && typeof metadata === 'object' && !Array.isArray(metadata)) {
        const raw = (metadata as Record<string, unknown>)[config.key];
        if (raw !== undefined && raw !== null) value = String(raw);
      }
      value ??= input.headers[headerName];
      const predicate = config.predicate;
      let matched = value !== undefined;
      if (predicate.exists === false) matched = value === undefined;
      if (matched && predicate.equals !== undefined) matched = value === predicate.equals;
      if (matched && predicate.in !== undefined)
        matched = value !== undefined && predicate.in.includes(value);
      const evidence = value === undefined ? [] : [`${config.key}=${value}`];
      return matched
        ? { status: 'matched', confidence: 1, evidence }
        : { status: 'unmatched', confidence: 0, evidence };
    },
  };
}
