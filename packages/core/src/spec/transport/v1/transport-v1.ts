/**
 * Upstream transport contract, version 1 (HTTP proxy mode): sends one attempt to one target.
 * Expected failures are results, not exceptions; retry and failover are planned by the caller.
 *
 * @module
 */
import type { UpstreamError } from '../../../errors/upstream-error.js';

export interface UpstreamRequest {
  /** Absolute URL of the target endpoint. */
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array | undefined;
  /** Backend name for errors and metrics. */
  readonly target: string;
}

export type TransportResult =
  | { readonly status: 'success'; readonly response: Response }
  | { readonly status: 'retryable'; readonly error: UpstreamError; readonly retryAfterMs?: number }
  | { readonly status: 'failure'; readonly error: UpstreamError };

export interface TransportV1 {
  readonly specificationVersion: 'v1';
  /** `deadline`: absolute Unix ms after which the attempt must be abandoned. */
  send(
    request: UpstreamRequest,
    options: { readonly signal: AbortSignal; readonly deadline: number },
  ): Promise<TransportResult>;
  close?(): Promise<void>;
}
