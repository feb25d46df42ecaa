/**
 * The fake Envoy: plays the ext_proc filter's side of one HTTP exchange against a real server
 * over gRPC and reports what a real Envoy would do — the downstream status (200/404/413/500/
 * 504…), its counters (`spurious_msgs_received`, `rejected_header_mutations`), the final
 * upstream request, and every message exchanged. It models the rules of
 * docs/envoy-ext-proc.md: processing modes and their message patterns, one reply of the
 * matching kind per message, mode_override acceptance, header mutation rules, content-length
 * consistency, clear_route_cache and route re-matching, immediate responses, message timeouts
 * with override_message_timeout, failure_mode_allow, and observability mode.
 *
 * @module
 */
import type {
  BodySendMode,
  CommonResponse,
  HeaderMap,
  HeaderSendMode,
  HttpBody,
  ProcessingMode,
  ProcessingRequest,
  ProcessingResponse,
  ProcessingResponseKind,
} from '../../src/ext-proc-messages.js';
import { statusCodeNumber } from '../../src/http-status.js';
import { applyHeaderMutation, type HeaderRecord, type MutationRules } from './envoy-mutations.js';
import { type HarnessClock, realClock } from './manual-clock.js';
import { createExtProcClient, SideStream, type SideStreamEvent } from './side-stream.js';

export interface FullProcessingMode {
  request_header_mode: HeaderSendMode;
  response_header_mode: HeaderSendMode;
  request_body_mode: BodySendMode;
  response_body_mode: BodySendMode;
  request_trailer_mode: HeaderSendMode;
  response_trailer_mode: HeaderSendMode;
}

/** The ext_proc filter configuration the operator controls (the parts the harness models). */
export interface FilterConfig {
  readonly processingMode?: Partial<FullProcessingMode>;
  readonly allowModeOverride?: boolean;
  readonly allowedOverrideModes?: readonly ProcessingMode[];
  readonly failureModeAllow?: boolean;
  /** Per-message timeout, ms (Envoy default 200). */
  readonly messageTimeoutMs?: number;
  /** `max_message_timeout`, ms; 0 disables override_message_timeout. */
  readonly maxMessageTimeoutMs?: number;
  readonly mutationRules?: MutationRules;
  readonly observabilityMode?: boolean;
  readonly sendBodyWithoutWaitingForHeaderResponse?: boolean;
  readonly routeCacheAction?: 'DEFAULT' | 'CLEAR' | 'RETAIN';
  /** Send `protocol_config` on the first message (newer Envoy). Default true. */
  readonly sendProtocolConfig?: boolean;
  /** Put header values in `value` instead of `raw_value` (older Envoy). */
  readonly headersInValueField?: boolean;
  /** Envoy reads `raw_value` in mutations (send_header_raw_value). Default true. */
  readonly readsRawValue?: boolean;
  /** Buffer limit for BUFFERED / BUFFERED_PARTIAL bodies, bytes. Default 1 MiB. */
  readonly bufferLimitBytes?: number;
  /** `disable_immediate_response`. */
  readonly disableImmediateResponse?: boolean;
  /** After the last message: `reset` (default) or `graceful` (half-close, wait for trailers). */
  readonly closeMode?: 'reset' | 'graceful';
  /** Route table: headers → cluster name, or null for "no route" (404). */
  readonly routes?: (headers: HeaderRecord) => string | null;
}

/** How a body is cut into chunks for STREAMED / duplex modes. */
export type ChunkStrategy =
  | 'whole'
  | 'bytes'
  | { readonly size: number }
  | { readonly cuts: readonly number[] };

export interface RequestSpec {
  readonly headers: HeaderRecord;
  readonly body?: string | Uint8Array;
  readonly trailers?: HeaderRecord;
  readonly chunking?: ChunkStrategy;
}

export interface UpstreamRequest {
  readonly cluster: string;
  readonly headers: HeaderRecord;
  readonly body: string;
  readonly trailers?: HeaderRecord;
}

export interface UpstreamResponseSpec {
  readonly status: number;
  readonly headers?: HeaderRecord;
  readonly body?: string | Uint8Array;
  readonly trailers?: HeaderRecord;
  readonly chunking?: ChunkStrategy;
}

export interface ExchangeSpec {
  readonly request: RequestSpec;
  /** The upstream; called with the final request. Default: 200 echo of `{"ok":true}`. */
  readonly upstream?: (request: UpstreamRequest) => UpstreamResponseSpec;
  /** Reset the side stream after this many sent messages (client abort / RST mid-exchange). */
  readonly abortAfterMessages?: number;
}

export interface EnvoyCounters {
  spurious_msgs_received: number;
  rejected_header_mutations: number;
  streams_closed: number;
  streams_failed: number;
  message_timeouts: number;
  mode_override_ignored: number;
  failure_mode_allowed: number;
  immediate_responses: number;
  override_message_timeout_applied: number;
}

export interface ExchangeResult {
  /** Downstream status. */
  readonly status: number;
  readonly headers: HeaderRecord;
  readonly body: string;
  /** Why Envoy produced a local error reply, when it did. */
  readonly failure?: string;
  /** The request the upstream received (undefined when none was sent). */
  readonly upstreamRequest?: UpstreamRequest;
  readonly counters: EnvoyCounters;
  readonly sent: readonly ProcessingRequest[];
  readonly received: readonly ProcessingResponse[];
  /** How the side stream ended (after the exchange). */
  readonly streamStatus?: { code: number; details: string };
  /** Effective response body mode after mode_override. */
  readonly responseBodyMode: BodySendMode;
  readonly requestBodyMode: BodySendMode;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const DEFAULT_MODE: FullProcessingMode = {
  request_header_mode: 'SEND',
  response_header_mode: 'SEND',
  request_body_mode: 'NONE',
  response_body_mode: 'NONE',
  request_trailer_mode: 'SKIP',
  response_trailer_mode: 'SKIP',
};

export function toBytes(value: string | Uint8Array | undefined): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  return typeof value === 'string' ? encoder.encode(value) : value;
}

export function chunkBytes(bytes: Uint8Array, strategy: ChunkStrategy = 'whole'): Uint8Array[] {
  if (bytes.length === 0) return [bytes];
  if (strategy === 'whole') return [bytes];
  if (strategy === 'bytes') return Array.from(bytes, (_, index) => bytes.subarray(index, index + 1));
  if ('size' in strategy) {
    const chunks: Uint8Array[] = [];
    for (let offset = 0; offset < bytes.length; offset += strategy.size)
      chunks.push(bytes.subarray(offset, offset + strategy.size));
    return chunks;
  }
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const cut of [...strategy.cuts].sort((a, b) => a - b)) {
    if (cut <= start || cut >= bytes.length) continue;
    chunks.push(bytes.subarray(start, cut));
    start = cut;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function sameMode(left: ProcessingMode, right: ProcessingMode): boolean {
  const keys: (keyof ProcessingMode)[] = [
    'request_body_mode',
    'response_body_mode',
    'response_header_mode',
    'request_trailer_mode',
    'response_trailer_mode',
  ];
  return keys.every((key) => (left[key] ?? defaultFor(key)) === (right[key] ?? defaultFor(key)));
}

function defaultFor(key: keyof ProcessingMode): string {
  return key.endsWith('body_mode') ? 'NONE' : 'DEFAULT';
}

/** A local reply Envoy produced (or the final downstream response). */
interface Downstream {
  status: number;
  headers: HeaderRecord;
  body: Uint8Array;
  failure?: string;
}

type Wait =
  | { kind: 'reply'; message: ProcessingResponse }
  | { kind: 'immediate'; message: ProcessingResponse }
  | { kind: 'unprocessed' }
  | { kind: 'local'; reply: Downstream };

class ExchangeRun {
  private readonly config: FilterConfig;
  private readonly spec: ExchangeSpec;
  private readonly clock: HarnessClock;
  private readonly stream: SideStream;
  private readonly mode: FullProcessingMode;
  readonly counters: EnvoyCounters = {
    spurious_msgs_received: 0,
    rejected_header_mutations: 0,
    streams_closed: 0,
    streams_failed: 0,
    message_timeouts: 0,
    mode_override_ignored: 0,
    failure_mode_allowed: 0,
    immediate_responses: 0,
    override_message_timeout_applied: 0,
  };
  /** False once Envoy stopped consulting the server for this request. */
  private processing = true;
  private firstMessage = true;
  private routeCleared = false;
  private originalHeaders: HeaderRecord;
  private upstreamRequest: UpstreamRequest | undefined;

  constructor(config: FilterConfig, spec: ExchangeSpec, clock: HarnessClock, stream: SideStream) {
    this.config = config;
    this.spec = spec;
    this.clock = clock;
    this.stream = stream;
    this.mode = { ...DEFAULT_MODE, ...config.processingMode };
    this.originalHeaders = { ...spec.request.headers };
  }

  private get observability(): boolean {
    return this.config.observabilityMode === true;
  }

  private send(message: ProcessingRequest): void {
    if (this.firstMessage) {
      this.firstMessage = false;
      if (this.config.sendProtocolConfig !== false) {
        message.protocol_config = {
          request_body_mode: this.mode.request_body_mode,
          response_body_mode: this.mode.response_body_mode,
          send_body_without_waiting_for_header_response:
            this.config.sendBodyWithoutWaitingForHeaderResponse === true,
        };
      }
    }
    if (this.observability) message.observability_mode = true;
    this.stream.write(message);
    if (
      this.spec.abortAfterMessages !== undefined &&
      this.stream.sent.length >= this.spec.abortAfterMessages
    ) {
      this.stream.reset();
      throw new AbortedExchange();
    }
  }

  private headerMap(record: HeaderRecord): HeaderMap {
    return {
      headers: Object.entries(record).map(([key, value]) =>
        this.config.headersInValueField ? { key, value } : { key, raw_value: encoder.encode(value) },
      ),
    };
  }

  private localReply(status: number, failure: string): Downstream {
    return { status, headers: { 'content-type': 'text/plain' }, body: encoder.encode(failure), failure };
  }

  /** Handles an error condition the way the filter does. */
  private failure(kind: 'spurious' | 'grpc_error' | 'timeout' | 'closed', detail: string): Wait {
    if (kind === 'closed') {
      this.counters.streams_closed++;
      this.processing = false;
      return { kind: 'unprocessed' };
    }
    if (kind === 'spurious') this.counters.spurious_msgs_received++;
    if (kind === 'grpc_error') this.counters.streams_failed++;
    if (kind === 'timeout') this.counters.message_timeouts++;
    if (this.config.failureModeAllow) {
      this.counters.failure_mode_allowed++;
      this.processing = false;
      return { kind: 'unprocessed' };
    }
    return { kind: 'local', reply: this.localReply(kind === 'timeout' ? 504 : 500, `${kind}: ${detail}`) };
  }

  /** Waits for the reply to the pending message of kind `expected`. */
  private async awaitReply(expected: ProcessingResponseKind, timed = true): Promise<Wait> {
    const timeout = timed ? (this.config.messageTimeoutMs ?? 200) : 10_000;
    let deadline = this.clock.now() + timeout;
    let overridden = false;
    for (;;) {
      const event: SideStreamEvent = await this.stream.next(Math.max(0, deadline - this.clock.now()));
      if (event.type === 'timeout')
        return this.failure('timeout', `no ${expected} reply within ${timeout} ms`);
      if (event.type === 'closed') return this.failure('closed', 'server closed the stream');
      if (event.type === 'error') return this.failure('grpc_error', `${event.code} ${event.details}`);
      const message = event.message;
      if (message.override_message_timeout && !message.response) {
        const duration = message.override_message_timeout;
        const ms = Number(duration.seconds) * 1000 + duration.nanos / 1e6;
        const max = this.config.maxMessageTimeoutMs ?? 0;
        if (timed && !overridden && max > 0 && ms >= 1 && ms <= max) {
          overridden = true;
          this.counters.override_message_timeout_applied++;
          deadline = this.clock.now() + ms;
        }
        continue;
      }
      if (message.response === expected) return { kind: 'reply', message };
      if (message.response === 'immediate_response') {
        if (this.config.disableImmediateResponse) {
          this.processing = false;
          return { kind: 'unprocessed' };
        }
        return { kind: 'immediate', message };
      }
      return this.failure(
        'spurious',
        `expected ${expected}, got ${message.response ?? 'an empty ProcessingResponse'}`,
      );
    }
  }

  private immediateReply(message: ProcessingResponse): Downstream {
    this.counters.immediate_responses++;
    const immediate = message.immediate_response!;
    let status = statusCodeNumber(immediate.status?.code);
    if (status < 200) status = 200;
    const mutated = applyHeaderMutation({}, immediate.headers, {
      rules: this.config.mutationRules ?? {},
      readsRawValue: this.config.readsRawValue !== false,
      direction: 'response',
      immediate: true,
    });
    this.counters.rejected_header_mutations += mutated.rejected;
    const headers = mutated.headers;
    headers['content-type'] ??= 'text/plain';
    this.processing = false;
    return { status, headers, body: immediate.body ? new Uint8Array(immediate.body) : new Uint8Array(0) };
  }

  private modeOverride(message: ProcessingResponse, direction: 'request' | 'response'): void {
    const override = message.mode_override;
    if (!override) return;
    const accepted =
      this.config.allowModeOverride === true &&
      !this.config.sendBodyWithoutWaitingForHeaderResponse &&
      (this.config.allowedOverrideModes === undefined ||
        this.config.allowedOverrideModes.some((mode) => sameMode(mode, override))) &&
      (direction === 'request' ? this.mode.request_body_mode : this.mode.response_body_mode) !==
        'FULL_DUPLEX_STREAMED' &&
      override.request_body_mode !== 'FULL_DUPLEX_STREAMED' &&
      override.response_body_mode !== 'FULL_DUPLEX_STREAMED';
    if (!accepted) {
      this.counters.mode_override_ignored++;
      return;
    }
    // request_header_mode in an override is ignored; everything else replaces the current mode.
    if (direction === 'request') {
      this.mode.request_body_mode = override.request_body_mode ?? 'NONE';
      this.mode.request_trailer_mode = override.request_trailer_mode ?? 'DEFAULT';
    }
    this.mode.response_header_mode = override.response_header_mode ?? 'DEFAULT';
    this.mode.response_body_mode = override.response_body_mode ?? 'NONE';
    this.mode.response_trailer_mode = override.response_trailer_mode ?? 'DEFAULT';
  }

  /** Applies a CommonResponse's header mutation; returns an error for a local 500. */
  private applyHeaders(
    headers: HeaderRecord,
    common: CommonResponse | null | undefined,
    direction: 'request' | 'response',
  ): { headers: HeaderRecord; error?: string } {
    if (!common?.header_mutation) return { headers };
    const result = applyHeaderMutation(headers, common.header_mutation, {
      rules: this.config.mutationRules ?? {},
      readsRawValue: this.config.readsRawValue !== false,
      direction,
    });
    this.counters.rejected_header_mutations += result.rejected;
    return result.error ? { headers, error: result.error } : { headers: result.headers };
  }

  private noteRouteCache(common: CommonResponse | null | undefined): void {
    if (common?.clear_route_cache && (this.config.routeCacheAction ?? 'DEFAULT') === 'DEFAULT')
      this.routeCleared = true;
  }

  /** Applies a body reply to one chunk in a non-duplex mode. */
  private applyBodyMutation(
    chunk: Uint8Array,
    common: CommonResponse | null | undefined,
  ): { chunk: Uint8Array; error?: string } {
    const mutation = common?.body_mutation;
    if (!mutation?.mutation) return { chunk };
    if (mutation.mutation === 'body')
      return { chunk: mutation.body ? new Uint8Array(mutation.body) : new Uint8Array(0) };
    if (mutation.mutation === 'clear_body') return { chunk: mutation.clear_body ? new Uint8Array(0) : chunk };
    return { chunk, error: 'streamed_response is only valid in FULL_DUPLEX_STREAMED' };
  }

  async run(): Promise<ExchangeResult> {
    let downstream: Downstream;
    try {
      downstream = this.observability ? await this.runObservability() : await this.runProcessing();
    } catch (error) {
      if (!(error instanceof AbortedExchange)) throw error;
      downstream = { status: 0, headers: {}, body: new Uint8Array(0), failure: 'client aborted' };
    }
    await this.closeStream();
    const { ':status': _status, ...headers } = downstream.headers;
    return {
      status: downstream.status,
      headers,
      body: decoder.decode(downstream.body),
      ...(downstream.failure ? { failure: downstream.failure } : {}),
      ...(this.upstreamRequest ? { upstreamRequest: this.upstreamRequest } : {}),
      counters: this.counters,
      sent: this.stream.sent,
      received: this.stream.received,
      ...(this.stream.status ? { streamStatus: this.stream.status } : {}),
      responseBodyMode: this.mode.response_body_mode,
      requestBodyMode: this.mode.request_body_mode,
    };
  }

  private async closeStream(): Promise<void> {
    // Envoy resets the side stream when the filter is destroyed, after the downstream response
    // is written: a server that ended the stream right after its last reply is not reset.
    if (!this.stream.isEnded && !this.observability && this.config.closeMode !== 'graceful')
      await this.stream.waitForEnd(50);
    if (this.stream.isEnded) return;
    if (this.config.closeMode === 'graceful' || this.observability) {
      this.stream.halfClose();
      // deferred_close_timeout (5 s in observability mode); a real Envoy resets after it.
      if (!(await this.stream.waitForEnd(this.observability ? 5000 : 1000))) this.stream.reset();
    } else {
      this.stream.reset();
    }
  }

  private async runObservability(): Promise<Downstream> {
    const request = this.spec.request;
    const body = request.body === undefined ? undefined : toBytes(request.body);
    if (this.mode.request_header_mode !== 'SKIP')
      this.send({
        request_headers: { headers: this.headerMap(request.headers), end_of_stream: body === undefined },
      });
    if (body !== undefined && this.mode.request_body_mode !== 'NONE') {
      const chunks = chunkBytes(body, request.chunking);
      for (const [index, chunk] of chunks.entries()) {
        this.send({ request_body: { body: chunk, end_of_stream: index === chunks.length - 1 } });
      }
    }
    const cluster = this.route(request.headers);
    if (cluster === null) return this.localReply(404, 'no route');
    this.upstreamRequest = {
      cluster,
      headers: { ...request.headers },
      body: decoder.decode(body ?? new Uint8Array(0)),
    };
    const response = (this.spec.upstream ?? defaultUpstream)(this.upstreamRequest);
    const responseBody = response.body === undefined ? undefined : toBytes(response.body);
    const responseHeaders = { ':status': String(response.status), ...response.headers };
    if (this.mode.response_header_mode !== 'SKIP')
      this.send({
        response_headers: {
          headers: this.headerMap(responseHeaders),
          end_of_stream: responseBody === undefined,
        },
      });
    if (responseBody !== undefined && this.mode.response_body_mode !== 'NONE') {
      const chunks = chunkBytes(responseBody, response.chunking);
      for (const [index, chunk] of chunks.entries()) {
        this.send({ response_body: { body: chunk, end_of_stream: index === chunks.length - 1 } });
      }
    }
    // Replies are ignored in observability mode, but a conformant server sends none: count any.
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.counters.spurious_msgs_received += this.stream.received.length;
    return { status: response.status, headers: responseHeaders, body: responseBody ?? new Uint8Array(0) };
  }

  private route(headers: HeaderRecord): string | null {
    const table = this.config.routes ?? (() => 'default');
    const action = this.config.routeCacheAction ?? 'DEFAULT';
    const rematch = action === 'CLEAR' || (action === 'DEFAULT' && this.routeCleared);
    return table(rematch ? headers : this.originalHeaders);
  }

  private async runProcessing(): Promise<Downstream> {
    const request = this.spec.request;
    let headers: HeaderRecord = { ...request.headers };
    let body: Uint8Array | undefined = request.body === undefined ? undefined : toBytes(request.body);
    const trailers = request.trailers;
    let bodyReplaced = false;

    // -- request headers
    if (this.mode.request_header_mode !== 'SKIP') {
      const early =
        body !== undefined &&
        (this.mode.request_body_mode === 'FULL_DUPLEX_STREAMED' ||
          (this.mode.request_body_mode === 'STREAMED' &&
            this.config.sendBodyWithoutWaitingForHeaderResponse === true));
      this.send({
        request_headers: {
          headers: this.headerMap(headers),
          end_of_stream: body === undefined && trailers === undefined,
        },
      });
      let earlyChunks: Uint8Array[] = [];
      if (early && body !== undefined) {
        earlyChunks = chunkBytes(body, request.chunking);
        const duplex = this.mode.request_body_mode === 'FULL_DUPLEX_STREAMED';
        const sendTrailers = trailers !== undefined && (duplex || this.mode.request_trailer_mode === 'SEND');
        for (const [index, chunk] of earlyChunks.entries()) {
          this.send({
            request_body: { body: chunk, end_of_stream: index === earlyChunks.length - 1 && !sendTrailers },
          });
        }
        if (sendTrailers) this.send({ request_trailers: { trailers: this.headerMap(trailers!) } });
      }
      const duplex = this.mode.request_body_mode === 'FULL_DUPLEX_STREAMED';
      const wait = await this.awaitReply('request_headers', !duplex);
      if (wait.kind === 'local') return wait.reply;
      if (wait.kind === 'immediate') return this.immediateReply(wait.message);
      if (wait.kind === 'reply') {
        const common = wait.message.request_headers?.response;
        const applied = this.applyHeaders(headers, common, 'request');
        if (applied.error) return this.localReply(500, `mutation error: ${applied.error}`);
        headers = applied.headers;
        this.noteRouteCache(common);
        if (common?.status === 'CONTINUE_AND_REPLACE') {
          const replacement =
            common.body_mutation?.mutation === 'body'
              ? new Uint8Array(common.body_mutation.body ?? [])
              : new Uint8Array(0);
          body = replacement;
          bodyReplaced = true;
          delete headers['content-length'];
        }
        if (!early) this.modeOverride(wait.message, 'request');
        else if (wait.message.mode_override) this.counters.mode_override_ignored++;
      }
      if (early && body !== undefined && this.processing && !bodyReplaced) {
        const result = duplex
          ? await this.collectDuplex('request_body', earlyChunks.length, trailers !== undefined)
          : await this.collectStreamed(earlyChunks, 'request_body', true, true);
        if ('reply' in result) return result.reply;
        body = result.body;
        delete headers['content-length'];
        if (
          trailers !== undefined &&
          this.processing &&
          !duplex &&
          this.mode.request_trailer_mode === 'SEND'
        ) {
          const wait2 = await this.awaitReply('request_trailers');
          if (wait2.kind === 'local') return wait2.reply;
          if (wait2.kind === 'immediate') return this.immediateReply(wait2.message);
        }
        bodyReplaced = true; // body phase done
      }
    }

    // -- request body
    if (body !== undefined && !bodyReplaced && this.processing) {
      const result = await this.bodyPhase('request', headers, body, trailers !== undefined);
      if ('reply' in result) return result.reply;
      headers = result.headers;
      body = result.body;
    }
    if (
      trailers !== undefined &&
      this.processing &&
      this.mode.request_trailer_mode === 'SEND' &&
      !bodyReplaced
    ) {
      this.send({ request_trailers: { trailers: this.headerMap(trailers) } });
      const wait = await this.awaitReply('request_trailers');
      if (wait.kind === 'local') return wait.reply;
      if (wait.kind === 'immediate') return this.immediateReply(wait.message);
    }

    // -- routing and upstream
    const cluster = this.route(headers);
    if (cluster === null) return this.localReply(404, 'no route');
    this.upstreamRequest = {
      cluster,
      headers,
      body: decoder.decode(body ?? new Uint8Array(0)),
      ...(trailers ? { trailers } : {}),
    };
    const response = (this.spec.upstream ?? defaultUpstream)(this.upstreamRequest);
    let responseHeaders: HeaderRecord = { ':status': String(response.status), ...response.headers };
    let responseBody: Uint8Array | undefined =
      response.body === undefined ? undefined : toBytes(response.body);
    if (!this.processing)
      return { status: response.status, headers: responseHeaders, body: responseBody ?? new Uint8Array(0) };

    // -- response headers
    let responseReplaced = false;
    if (this.mode.response_header_mode !== 'SKIP') {
      this.send({
        response_headers: {
          headers: this.headerMap(responseHeaders),
          end_of_stream: responseBody === undefined && response.trailers === undefined,
        },
      });
      const wait = await this.awaitReply(
        'response_headers',
        this.mode.response_body_mode !== 'FULL_DUPLEX_STREAMED',
      );
      if (wait.kind === 'local') return wait.reply;
      if (wait.kind === 'immediate') return this.immediateReply(wait.message);
      if (wait.kind === 'reply') {
        const common = wait.message.response_headers?.response;
        const applied = this.applyHeaders(responseHeaders, common, 'response');
        if (applied.error) return this.localReply(500, `mutation error: ${applied.error}`);
        responseHeaders = applied.headers;
        if (common?.status === 'CONTINUE_AND_REPLACE') {
          responseBody =
            common.body_mutation?.mutation === 'body'
              ? new Uint8Array(common.body_mutation.body ?? [])
              : new Uint8Array(0);
          responseReplaced = true;
        }
        this.modeOverride(wait.message, 'response');
      }
    }

    // -- response body
    if (responseBody !== undefined && !responseReplaced && this.processing) {
      const result = await this.bodyPhase(
        'response',
        responseHeaders,
        responseBody,
        response.trailers !== undefined,
        response.chunking,
      );
      if ('reply' in result) return result.reply;
      responseHeaders = result.headers;
      responseBody = result.body;
    }
    if (
      response.trailers !== undefined &&
      this.processing &&
      this.mode.response_trailer_mode === 'SEND' &&
      !responseReplaced
    ) {
      this.send({ response_trailers: { trailers: this.headerMap(response.trailers) } });
      const wait = await this.awaitReply('response_trailers');
      if (wait.kind === 'local') return wait.reply;
      if (wait.kind === 'immediate') return this.immediateReply(wait.message);
    }
    const status = Number(responseHeaders[':status'] ?? response.status);
    return { status, headers: responseHeaders, body: responseBody ?? new Uint8Array(0) };
  }

  /** One direction's body phase in the current mode. */
  private async bodyPhase(
    direction: 'request' | 'response',
    headers: HeaderRecord,
    body: Uint8Array,
    hasTrailers: boolean,
    chunking?: ChunkStrategy,
  ): Promise<{ headers: HeaderRecord; body: Uint8Array } | { reply: Downstream }> {
    const mode = direction === 'request' ? this.mode.request_body_mode : this.mode.response_body_mode;
    const kind = direction === 'request' ? 'request_body' : 'response_body';
    const headerMode =
      direction === 'request' ? this.mode.request_header_mode : this.mode.response_header_mode;
    const limit = this.config.bufferLimitBytes ?? 1024 * 1024;
    const message = (chunk: Uint8Array, endOfStream: boolean): ProcessingRequest =>
      direction === 'request'
        ? { request_body: { body: chunk, end_of_stream: endOfStream } }
        : { response_body: { body: chunk, end_of_stream: endOfStream } };
    let current = { ...headers };

    if (mode === 'NONE' || mode === 'GRPC') return { headers: current, body };

    if (mode === 'BUFFERED' || (mode === 'BUFFERED_PARTIAL' && body.length <= limit)) {
      if (mode === 'BUFFERED' && body.length > limit) {
        return { reply: this.localReply(direction === 'request' ? 413 : 500, 'buffer limit exceeded') };
      }
      if (mode === 'BUFFERED_PARTIAL' || headerMode === 'SKIP') delete current['content-length'];
      this.send(message(body, !hasTrailers));
      const wait = await this.awaitReply(kind);
      if (wait.kind === 'local') return { reply: wait.reply };
      if (wait.kind === 'immediate') return { reply: this.immediateReply(wait.message) };
      if (wait.kind === 'unprocessed') return { headers: current, body };
      const common = (wait.message[kind] as { response?: CommonResponse | null } | null)?.response;
      const applied = this.applyHeaders(current, common, direction);
      if (applied.error) return { reply: this.localReply(500, `mutation error: ${applied.error}`) };
      current = applied.headers;
      if (direction === 'request') this.noteRouteCache(common);
      const mutated = this.applyBodyMutation(body, common);
      if (mutated.error) return { reply: this.localReply(500, mutated.error) };
      const contentLength = current['content-length'];
      if (contentLength !== undefined && Number(contentLength) !== mutated.chunk.length) {
        return {
          reply: this.localReply(
            500,
            `mismatched content-length ${contentLength} and body length ${mutated.chunk.length}`,
          ),
        };
      }
      return { headers: current, body: mutated.chunk };
    }

    if (mode === 'BUFFERED_PARTIAL') {
      // Over the limit: Envoy sends what it buffered (end_of_stream=false) and streams the rest unprocessed.
      delete current['content-length'];
      this.send(message(body.subarray(0, limit), false));
      const wait = await this.awaitReply(kind);
      if (wait.kind === 'local') return { reply: wait.reply };
      if (wait.kind === 'immediate') return { reply: this.immediateReply(wait.message) };
      if (wait.kind === 'unprocessed') return { headers: current, body };
      const common = (wait.message[kind] as { response?: CommonResponse | null } | null)?.response;
      const applied = this.applyHeaders(current, common, direction);
      if (applied.error) return { reply: this.localReply(500, `mutation error: ${applied.error}`) };
      const mutated = this.applyBodyMutation(body.subarray(0, limit), common);
      if (mutated.error) return { reply: this.localReply(500, mutated.error) };
      return { headers: applied.headers, body: concat([mutated.chunk, body.subarray(limit)]) };
    }

    delete current['content-length'];
    const chunks = chunkBytes(body, chunking ?? this.spec.request.chunking);
    if (mode === 'STREAMED') {
      const result = await this.collectStreamed(chunks, kind, !hasTrailers, false);
      if ('reply' in result) return result;
      return { headers: current, body: result.body };
    }
    // FULL_DUPLEX_STREAMED
    for (const [index, chunk] of chunks.entries()) {
      this.send(message(chunk, index === chunks.length - 1 && !hasTrailers));
    }
    const result = await this.collectDuplex(kind, chunks.length, hasTrailers);
    if ('reply' in result) return result;
    return { headers: current, body: result.body };
  }

  /** STREAMED: each chunk gets exactly one body reply, in order (sent already when `sent`). */
  private async collectStreamed(
    chunks: Uint8Array[],
    kind: 'request_body' | 'response_body',
    lastIsEnd: boolean,
    alreadySent: boolean,
  ): Promise<{ body: Uint8Array } | { reply: Downstream }> {
    const out: Uint8Array[] = [];
    for (let index = 0; index < chunks.length; index++) {
      const chunk = chunks[index]!;
      if (!alreadySent) {
        const endOfStream = index === chunks.length - 1 && lastIsEnd;
        this.send(
          kind === 'request_body'
            ? { request_body: { body: chunk, end_of_stream: endOfStream } }
            : { response_body: { body: chunk, end_of_stream: endOfStream } },
        );
      }
      const wait = await this.awaitReply(kind);
      if (wait.kind === 'local') return { reply: wait.reply };
      if (wait.kind === 'immediate') return { reply: this.immediateReply(wait.message) };
      if (wait.kind === 'unprocessed') {
        out.push(...chunks.slice(index));
        break;
      }
      const common = (wait.message[kind] as { response?: CommonResponse | null } | null)?.response;
      // Header mutations in a STREAMED body reply come too late: the headers are gone.
      const mutated = this.applyBodyMutation(chunk, common);
      if (mutated.error) return { reply: this.localReply(500, mutated.error) };
      out.push(mutated.chunk);
    }
    return { body: concat(out) };
  }

  /** FULL_DUPLEX_STREAMED: read streamed_response chunks until end_of_stream (or the trailers reply). */
  private async collectDuplex(
    kind: 'request_body' | 'response_body',
    _sentChunks: number,
    hasTrailers: boolean,
  ): Promise<{ body: Uint8Array } | { reply: Downstream }> {
    const out: Uint8Array[] = [];
    for (;;) {
      const wait = await this.awaitReply(kind, false);
      if (wait.kind === 'local') return { reply: wait.reply };
      if (wait.kind === 'immediate') return { reply: this.immediateReply(wait.message) };
      if (wait.kind === 'unprocessed')
        return { reply: this.localReply(500, 'stream ended during duplex body') };
      const common = (wait.message[kind] as { response?: CommonResponse | null } | null)?.response;
      const mutation = common?.body_mutation;
      if (mutation?.mutation !== 'streamed_response' || !mutation.streamed_response) {
        return { reply: this.localReply(500, 'FULL_DUPLEX_STREAMED needs streamed_response body mutations') };
      }
      out.push(new Uint8Array(mutation.streamed_response.body ?? []));
      if (mutation.streamed_response.end_of_stream) break;
      if (hasTrailers) {
        // With trailers the body ends with the trailers reply.
        const trailerKind = kind === 'request_body' ? 'request_trailers' : 'response_trailers';
        const next = await this.stream.next(10_000);
        if (next.type === 'message' && next.message.response === trailerKind) break;
        if (next.type === 'message' && next.message.response === kind) {
          const nested = (next.message[kind] as { response?: CommonResponse | null } | null)?.response
            ?.body_mutation;
          if (nested?.streamed_response) out.push(new Uint8Array(nested.streamed_response.body ?? []));
          if (nested?.streamed_response?.end_of_stream) break;
          continue;
        }
        return { reply: this.localReply(500, 'unexpected message in duplex trailers') };
      }
    }
    return { body: concat(out) };
  }
}

class AbortedExchange extends Error {}

function defaultUpstream(): UpstreamResponseSpec {
  return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };
}

export interface FakeEnvoy {
  /** Plays one HTTP exchange through the ext_proc filter. */
  exchange(spec: ExchangeSpec, overrides?: FilterConfig): Promise<ExchangeResult>;
  /** Opens a raw side stream for hand-driven scenarios. */
  openStream(): SideStream;
  close(): void;
}

/** Connects a fake Envoy to an ext_proc server at `address` (`host:port`). */
export function createFakeEnvoy(options: {
  address: string;
  config?: FilterConfig;
  clock?: HarnessClock;
}): FakeEnvoy {
  const client = createExtProcClient(options.address);
  const clock = options.clock ?? realClock;
  return {
    exchange(spec, overrides) {
      const config = { ...options.config, ...overrides };
      return new ExchangeRun(config, spec, clock, new SideStream(client, clock)).run();
    },
    openStream() {
      return new SideStream(client, clock);
    },
    close() {
      client.close();
    },
  };
}

/** The body a ProcessingRequest carries, for assertions. */
export function bodyOf(message: { request_body?: HttpBody | null; response_body?: HttpBody | null }): string {
  const body = message.request_body ?? message.response_body;
  return body ? decoder.decode(body.body) : '';
}
