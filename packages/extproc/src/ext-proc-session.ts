/**
 * The per-stream ext_proc state machine. One session per gRPC stream (= one downstream HTTP
 * request). It turns decoded `ProcessingRequest`s into `ProcessingResponse`s following the
 * rules in `docs/envoy-ext-proc.md`: exactly one reply of the matching kind per message
 * (except in FULL_DUPLEX_STREAMED, where body replies are `streamed_response` chunks), none in
 * observability mode, none after an immediate response, `raw_value`-only header mutations,
 * `content-length` kept consistent, `clear_route_cache` with routing headers.
 *
 * Messages are handled strictly in arrival order; a message that needs the router waits for
 * it, and later messages queue behind it, so replies always leave in order.
 *
 * @module
 */
import {
  type ChatCompletion,
  type CompletionCollector,
  createCompletionCollector,
  GrpcStatus,
  HEADER_SCHEMA_VERSION,
  HEADERS,
  type ImmediateOutcome,
  type Router,
  type UpstreamOutcome,
} from '@semroute/core';
import { constantResponse } from './encode-processing-response.js';
import type {
  BodySendMode,
  HttpBody,
  HttpHeaders,
  HttpTrailers,
  ProcessingMode,
  ProcessingRequest,
  ProcessingResponse,
  ProtocolConfiguration,
} from './ext-proc-messages.js';
import type { ExchangeSummary, ExtProcClock, ExtProcLogger, ExtProcOptions } from './ext-proc-options.js';
import { buildHeaderMutation, headerMapToRecord, utf8 } from './header-utils.js';
import { toEnvoyStatusCode } from './http-status.js';
import { createSseParser } from './sse.js';

/** How a session talks back to its stream. */
export interface SessionHost {
  send(response: ProcessingResponse): void;
  /** Ends the stream with status OK. */
  end(): void;
  /** Ends the stream with a gRPC error status (Envoy's failure_mode_allow decides what follows). */
  fail(code: number, details: string): void;
}

/** Options after defaults. */
export interface ResolvedExtProcOptions {
  readonly maxRequestBodyBytes: number;
  readonly maxResponseBodyBytes: number;
  readonly assumedRequestBodyMode: BodySendMode;
  readonly responseModeOverride: boolean;
  readonly requestModeOverride: boolean;
  readonly clearRouteCache: boolean | undefined;
  readonly forceIdentityEncoding: boolean;
  readonly overrideMessageTimeout: { readonly afterMs: number; readonly timeoutMs: number } | undefined;
  readonly isRoutable: NonNullable<ExtProcOptions['isRoutable']>;
  readonly clock: ExtProcClock;
  readonly logger: ExtProcLogger;
  readonly onExchangeEnd: ((summary: ExchangeSummary) => void) | undefined;
}

const EMPTY = new Uint8Array(0);
/** Reused (frozen, pre-encoded) replies. */
const IDENTITY_HEADERS_REPLY = constantResponse({
  request_headers: { response: { header_mutation: buildHeaderMutation({ 'accept-encoding': 'identity' }) } },
});
const CONTINUE_REQUEST_HEADERS = constantResponse({ request_headers: {} });
const CONTINUE_REQUEST_BODY = constantResponse({ request_body: {} });
const CONTINUE_RESPONSE_HEADERS = constantResponse({ response_headers: {} });
const CONTINUE_RESPONSE_BODY = constantResponse({ response_body: {} });
const CLEAR_REQUEST_BODY = constantResponse({
  request_body: { response: { body_mutation: { clear_body: true } } },
});

/** An OpenAI-style error body. */
export function openAIErrorBody(message: string, type: string, code: string): string {
  return JSON.stringify({ error: { message, type, code, param: null } });
}

function concatBytes(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError';
}

export class ExtProcSession {
  private readonly router: Router;
  private readonly options: ResolvedExtProcOptions;
  private readonly host: SessionHost;

  private readonly queue: ProcessingRequest[] = [];
  private running = false;
  private inputEnded = false;
  /** No more replies or processing (stream ended, cancelled, or failed). */
  private closed = false;
  private observability = false;
  private immediateSent = false;
  private seenFirstMessage = false;
  private protocolConfig: ProtocolConfiguration | undefined;
  private abortController: AbortController | undefined;

  // request side
  private requestHeaders: Record<string, string> = {};
  private method: string | undefined;
  private path: string | undefined;
  private routable: boolean | undefined;
  private skipProcessing = false;
  private headersReplyHeld = false;
  private bodyChunks: Uint8Array[] = [];
  private bodyBytes = 0;
  /** Non-final chunks we have not answered yet (held modes). */
  private heldChunks = 0;
  /** Non-final chunks already answered with `clear_body`. */
  private clearedChunks = 0;
  private requestRouted = false;
  private outcome: UpstreamOutcome | undefined;
  private routeLatencyMs: number | undefined;
  private requestRepliedAt: number | undefined;

  // response side
  private responseStatus = 0;
  private responseIsSse = false;
  private responseTracked = false;
  private sseParser: ReturnType<typeof createSseParser> | undefined;
  private accumulator: CompletionCollector | undefined;
  private responseChunks: Uint8Array[] = [];
  private responseBytes = 0;
  private responseOverflow = false;
  private ttftMs: number | undefined;
  private finalized = false;

  constructor(router: Router, options: ResolvedExtProcOptions, host: SessionHost) {
    this.router = router;
    this.options = options;
    this.host = host;
  }

  /** A message arrived from the gateway. */
  push(message: ProcessingRequest): void {
    if (this.closed) return;
    this.queue.push(message);
    if (!this.running) this.pump();
  }

  /** The gateway half-closed its side: finish queued work, then end the stream with OK. */
  endOfInput(): void {
    if (this.inputEnded) return;
    this.inputEnded = true;
    if (!this.running) this.finishStream();
  }

  /** The stream was cancelled or reset (a normal ending): stop everything, write nothing, cache nothing. */
  cancel(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.abortController?.abort();
    this.finalizeResponse(true);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Handles queued messages in order. Synchronous handlers run inline (no promise per
   * message); a handler that returns a promise (routing) pauses the queue until it settles.
   */
  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      const message = this.queue.shift()!;
      let pending: Promise<void> | undefined;
      try {
        pending = this.handle(message);
      } catch (error) {
        this.failStream(error);
        return;
      }
      if (pending) {
        this.running = true;
        pending.then(
          () => {
            this.running = false;
            this.pump();
          },
          (error: unknown) => {
            this.running = false;
            this.failStream(error);
          },
        );
        return;
      }
    }
    if (this.inputEnded && !this.closed) this.finishStream();
  }

  private finishStream(): void {
    if (this.closed) return;
    this.closed = true;
    this.finalizeResponse(true);
    this.host.end();
  }

  /** Ends the stream with an error status: INTERNAL for our failures, INVALID_ARGUMENT for protocol violations. */
  private failStream(error: unknown, code: number = GrpcStatus.INTERNAL): void {
    if (this.closed) return;
    const details = error instanceof Error ? error.message : String(error);
    this.options.logger.error({ error: details }, 'ext_proc stream failed');
    this.closed = true;
    this.abortController?.abort();
    this.finalizeResponse(true);
    this.host.fail(code, `semroute: ${details}`);
  }

  private send(response: ProcessingResponse): void {
    if (this.closed || this.observability || this.immediateSent) return;
    this.host.send(response);
  }

  private get requestBodyMode(): BodySendMode {
    const mode = this.protocolConfig?.request_body_mode;
    return mode && mode !== 'NONE' ? mode : this.options.assumedRequestBodyMode;
  }

  private get responseBodyMode(): BodySendMode | undefined {
    return this.protocolConfig?.response_body_mode;
  }

  private get sendsBodyWithoutWaiting(): boolean {
    return this.protocolConfig?.send_body_without_waiting_for_header_response === true;
  }

  private handle(message: ProcessingRequest): Promise<void> | undefined {
    if (!this.seenFirstMessage) {
      this.seenFirstMessage = true;
      // protocol_config only comes on a stream's first message, and only from newer gateways.
      if (message.protocol_config) this.protocolConfig = message.protocol_config;
    }
    if (message.observability_mode) this.observability = true;
    if (this.observability || this.immediateSent) return undefined;
    switch (message.request) {
      case 'request_headers':
        return this.onRequestHeaders(message.request_headers ?? { headers: null, end_of_stream: false });
      case 'request_body':
        return this.onRequestBody(message.request_body ?? { body: EMPTY, end_of_stream: true });
      case 'request_trailers':
        return this.onRequestTrailers(message.request_trailers ?? { trailers: null });
      case 'response_headers':
        this.onResponseHeaders(message.response_headers ?? { headers: null, end_of_stream: false });
        return undefined;
      case 'response_body':
        this.onResponseBody(message.response_body ?? { body: EMPTY, end_of_stream: true });
        return undefined;
      case 'response_trailers':
        this.send({ response_trailers: {} });
        this.finalizeResponse(false);
        this.completeExchange();
        return undefined;
      default:
        // No oneof member: there is no reply kind that could match, so close with an error.
        this.failStream(
          new Error('ProcessingRequest carries no request message'),
          GrpcStatus.INVALID_ARGUMENT,
        );
        return undefined;
    }
  }

  // ------------------------------------------------------------------------------------------
  // request phase

  private onRequestHeaders(message: HttpHeaders): Promise<void> | undefined {
    this.requestHeaders = headerMapToRecord(message.headers);
    this.method = this.requestHeaders[':method']?.toUpperCase();
    this.path = this.requestHeaders[':path'];
    const skipHeader = this.requestHeaders[HEADERS.skipProcessing];
    if (skipHeader === 'true' && this.router.config.global.router.skip_processing?.enabled)
      this.skipProcessing = true;

    if (!this.skipProcessing && this.method === 'GET' && this.pathname() === '/v1/models') {
      this.sendImmediate(
        200,
        { 'content-type': 'application/json' },
        JSON.stringify(this.router.listModels()),
        'models',
      );
      return undefined;
    }

    this.routable = !this.skipProcessing && this.options.isRoutable({ method: this.method, path: this.path });
    const bodyFollows = !message.end_of_stream;
    const mode = this.requestBodyMode;
    if (
      this.routable &&
      bodyFollows &&
      (mode === 'FULL_DUPLEX_STREAMED' || (mode === 'STREAMED' && this.sendsBodyWithoutWaiting))
    ) {
      // Body chunks come without waiting for us: hold the headers reply until the body is read,
      // so the routing headers and clear_route_cache can still go on the headers reply.
      this.headersReplyHeld = true;
      return undefined;
    }

    const base =
      this.routable && this.options.forceIdentityEncoding ? IDENTITY_HEADERS_REPLY : CONTINUE_REQUEST_HEADERS;
    if (
      this.routable &&
      bodyFollows &&
      this.options.requestModeOverride &&
      this.protocolConfig?.request_body_mode === 'STREAMED' &&
      !this.sendsBodyWithoutWaiting
    ) {
      // Routing headers in a STREAMED body reply come too late; ask for a buffered body instead
      // (honoured only with allow_mode_override; otherwise we still cope with the chunks).
      this.send({ ...base, mode_override: this.overrideModes({ request_body_mode: 'BUFFERED' }) });
    } else {
      this.send(base);
    }
    return undefined;
  }

  /** A full ProcessingMode for mode_override: Envoy replaces every field, so keep the others. */
  private overrideModes(change: ProcessingMode): ProcessingMode {
    return {
      request_header_mode: 'SEND',
      response_header_mode: 'SEND',
      request_body_mode: this.protocolConfig?.request_body_mode ?? 'NONE',
      response_body_mode: this.protocolConfig?.response_body_mode ?? 'NONE',
      ...change,
    };
  }

  private pathname(): string | undefined {
    if (this.path === undefined) return undefined;
    const query = this.path.indexOf('?');
    return query === -1 ? this.path : this.path.slice(0, query);
  }

  private onRequestBody(message: HttpBody): Promise<void> | undefined {
    const mode = this.requestBodyMode;
    const duplex = mode === 'FULL_DUPLEX_STREAMED';
    const chunk = message.body ?? EMPTY;
    if (this.routable === undefined)
      this.routable =
        !this.skipProcessing && this.options.isRoutable({ method: this.method, path: this.path });

    if (!this.routable || this.requestRouted) {
      // Not ours to route (or a stray chunk after routing): pass it through unchanged.
      this.send(
        duplex
          ? {
              request_body: {
                response: {
                  body_mutation: { streamed_response: { body: chunk, end_of_stream: message.end_of_stream } },
                },
              },
            }
          : CONTINUE_REQUEST_BODY,
      );
      return undefined;
    }

    this.bodyChunks.push(chunk);
    this.bodyBytes += chunk.length;
    if (this.bodyBytes > this.options.maxRequestBodyBytes) {
      this.sendError(
        413,
        `request body exceeds ${this.options.maxRequestBodyBytes} bytes`,
        'invalid_request_error',
        'payload_too_large',
      );
      return undefined;
    }

    if (!message.end_of_stream) {
      if (this.protocolConfig?.request_body_mode === 'BUFFERED_PARTIAL') {
        // Envoy sends only what fits its buffer; the rest never reaches us, so we cannot route on it.
        this.sendError(
          413,
          'request body exceeds the gateway buffer limit (BUFFERED_PARTIAL)',
          'invalid_request_error',
          'payload_too_large',
        );
        return undefined;
      }
      if (duplex || this.headersReplyHeld) {
        this.heldChunks++;
        return undefined;
      }
      if (this.isCompleteJsonBody()) {
        // A whole JSON body without end_of_stream: request trailers follow (BUFFERED sends the
        // body with end_of_stream=false then). Route now, while a body reply can still carry it.
        return this.routeRequest(false);
      }
      // Streamed chunks (STREAMED, or a client that streams although BUFFERED was asked for):
      // drop each one now and send the complete (rewritten) body with the last chunk.
      this.clearedChunks++;
      this.send(CLEAR_REQUEST_BODY);
      return undefined;
    }
    return this.routeRequest(false);
  }

  /** Cheap pre-check (last non-blank byte is `}`), then a parse: is the body so far one complete JSON object? */
  private isCompleteJsonBody(): boolean {
    const last = this.bodyChunks[this.bodyChunks.length - 1];
    if (!last) return false;
    let index = last.length - 1;
    while (
      index >= 0 &&
      (last[index] === 0x20 || last[index] === 0x0a || last[index] === 0x0d || last[index] === 0x09)
    )
      index--;
    if (index < 0 || last[index] !== 0x7d) return false;
    try {
      const parsed: unknown = JSON.parse(
        Buffer.from(concatBytes(this.bodyChunks, this.bodyBytes)).toString('utf8'),
      );
      return typeof parsed === 'object' && parsed !== null;
    } catch {
      return false;
    }
  }

  private onRequestTrailers(_message: HttpTrailers): Promise<void> | undefined {
    if (this.routable && !this.requestRouted && this.bodyChunks.length > 0) return this.routeRequest(true);
    this.send({ request_trailers: {} });
    return undefined;
  }

  private async routeRequest(endedByTrailers: boolean): Promise<void> {
    this.requestRouted = true;
    const body = concatBytes(this.bodyChunks, this.bodyBytes);
    this.bodyChunks = [];
    const clock = this.options.clock;
    const started = clock.now();
    this.abortController ??= new AbortController();
    let timer: unknown;
    const override = this.options.overrideMessageTimeout;
    if (override) {
      timer = clock.setTimeout(() => {
        timer = undefined;
        const seconds = Math.floor(override.timeoutMs / 1000);
        this.send({
          override_message_timeout: {
            seconds,
            nanos: Math.round((override.timeoutMs - seconds * 1000) * 1e6),
          },
        });
      }, override.afterMs);
    }
    let outcome: UpstreamOutcome | ImmediateOutcome;
    try {
      outcome = await this.router.route(
        { body, headers: this.requestHeaders, ...(this.path !== undefined ? { path: this.path } : {}) },
        { signal: this.abortController.signal },
      );
    } catch (error) {
      if (this.closed || isAbortError(error)) return;
      throw error;
    } finally {
      if (timer !== undefined) clock.clearTimeout(timer);
    }
    if (this.closed) return;
    this.routeLatencyMs = clock.now() - started;

    if (outcome.type === 'immediate') {
      this.sendImmediate(outcome.status, outcome.headers, outcome.body, outcome.reason, outcome);
      return;
    }

    this.outcome = outcome;
    const bodyMutated = outcome.bodyChanged || this.clearedChunks > 0;
    const newBody = outcome.bodyChanged ? utf8(outcome.bodyText) : body;
    const clearRouteCache = this.options.clearRouteCache ?? outcome.clearRouteCache;
    const routingSet: Record<string, string> = { ...outcome.requestHeaders.set };
    if (this.options.forceIdentityEncoding) routingSet['accept-encoding'] = 'identity';
    const routingRemove = [...outcome.requestHeaders.remove];

    if (this.requestBodyMode === 'FULL_DUPLEX_STREAMED') {
      if (this.headersReplyHeld) {
        this.headersReplyHeld = false;
        this.send({
          request_headers: {
            response: {
              header_mutation: buildHeaderMutation(routingSet, [...routingRemove, 'content-length']),
              clear_route_cache: clearRouteCache,
            },
          },
        });
      }
      this.send({
        request_body: {
          response: {
            body_mutation: { streamed_response: { body: newBody, end_of_stream: !endedByTrailers } },
          },
        },
      });
      if (endedByTrailers) this.send({ request_trailers: {} });
    } else if (this.headersReplyHeld) {
      // STREAMED with send_body_without_waiting_for_header_response: headers reply first, then
      // one reply per held chunk, the complete body on the last.
      this.headersReplyHeld = false;
      this.send({
        request_headers: {
          response: {
            header_mutation: buildHeaderMutation(routingSet, [...routingRemove, 'content-length']),
            clear_route_cache: clearRouteCache,
          },
        },
      });
      for (let index = 0; index < this.heldChunks; index++) this.send(CLEAR_REQUEST_BODY);
      this.heldChunks = 0;
      if (endedByTrailers) this.send({ request_trailers: {} });
      else this.send({ request_body: { response: { body_mutation: { body: newBody } } } });
    } else if (endedByTrailers) {
      // The body message has been answered already; only the trailers reply is left.
      this.options.logger.warn(
        {},
        'request trailers after a routed body: body mutation could not be applied',
      );
      this.send({ request_trailers: {} });
    } else {
      const set = { ...routingSet };
      const remove = routingRemove;
      if (bodyMutated) {
        remove.push('content-length');
        set['content-length'] = String(newBody.length);
      }
      this.send({
        request_body: {
          response: {
            header_mutation: buildHeaderMutation(set, remove),
            ...(bodyMutated ? { body_mutation: { body: newBody } } : {}),
            clear_route_cache: clearRouteCache,
          },
        },
      });
    }
    this.requestRepliedAt = clock.now();
  }

  private sendError(status: number, message: string, type: string, code: string): void {
    this.sendImmediate(
      status,
      { 'content-type': 'application/json' },
      openAIErrorBody(message, type, code),
      code,
    );
  }

  private sendImmediate(
    status: number,
    headers: Readonly<Record<string, string>>,
    body: string,
    reason: string,
    outcome?: ImmediateOutcome,
  ): void {
    const allHeaders: Record<string, string> = { ...headers };
    if (!Object.keys(allHeaders).some((name) => name.toLowerCase() === 'content-type'))
      allHeaders['content-type'] = 'application/json';
    if (allHeaders[HEADERS.schemaVersion] === undefined)
      allHeaders[HEADERS.schemaVersion] = HEADER_SCHEMA_VERSION;
    if (allHeaders[HEADERS.responsePath] === undefined && reason !== 'models') {
      allHeaders[HEADERS.responsePath] = reason === 'cache' || reason === 'fast_response' ? reason : 'error';
    }
    this.send({
      immediate_response: {
        status: { code: toEnvoyStatusCode(status) },
        headers: buildHeaderMutation(allHeaders),
        body: utf8(body),
        details: `semroute_${reason}`,
      },
    });
    this.immediateSent = true;
    this.headersReplyHeld = false;
    this.finalized = true;
    // Envoy ignores anything after an immediate response; end the stream now.
    this.queue.length = 0;
    this.completeExchange();
    this.report({
      kind: 'immediate',
      reason,
      decision: outcome?.explanation.decision ?? null,
      selectedModel: outcome?.explanation.selectedModel ?? null,
      status,
      stream: false,
      complete: true,
      aborted: false,
      cacheWritten: false,
      ...(this.routeLatencyMs !== undefined ? { routeLatencyMs: this.routeLatencyMs } : {}),
    });
  }

  // ------------------------------------------------------------------------------------------
  // response phase

  private onResponseHeaders(message: HttpHeaders): void {
    const headers = headerMapToRecord(message.headers);
    this.responseStatus = Number.parseInt(headers[':status'] ?? '0', 10) || 0;
    const contentType = (headers['content-type'] ?? '').toLowerCase();
    this.responseIsSse = contentType.startsWith('text/event-stream');
    const outcome = this.outcome;
    const success = this.responseStatus >= 200 && this.responseStatus < 300;
    // Accumulate the body only when someone needs it: a cache write or the usage report.
    this.responseTracked =
      outcome !== undefined && (outcome.cacheWrite !== undefined || this.options.onExchangeEnd !== undefined);
    if (this.responseTracked && this.responseIsSse) {
      this.sseParser = createSseParser();
      this.accumulator = createCompletionCollector();
    }

    const response: ProcessingResponse = {
      response_headers: {
        response: outcome && success ? { header_mutation: buildHeaderMutation(outcome.responseHeaders) } : {},
      },
    };
    const bodyMode = this.responseBodyMode;
    if (
      outcome !== undefined &&
      !message.end_of_stream &&
      this.options.responseModeOverride &&
      !this.sendsBodyWithoutWaiting
    ) {
      const needBody = this.responseTracked && success;
      if (
        this.responseIsSse &&
        (bodyMode === undefined ||
          bodyMode === 'BUFFERED' ||
          bodyMode === 'BUFFERED_PARTIAL' ||
          (bodyMode === 'NONE' && needBody))
      ) {
        // Buffering an SSE stream would hold every token until the end; stream it instead (and
        // ask for it at all when the operator sends no bodies but we must cache or account).
        response.mode_override = { response_header_mode: 'SEND', response_body_mode: 'STREAMED' };
      } else if (!this.responseIsSse && bodyMode === 'NONE' && needBody) {
        response.mode_override = { response_header_mode: 'SEND', response_body_mode: 'BUFFERED' };
      }
    }
    this.send(outcome && success ? response : response.mode_override ? response : CONTINUE_RESPONSE_HEADERS);
    if (message.end_of_stream) {
      this.finalizeResponse(false);
      this.completeExchange();
    } else if (this.responseBodyMode === 'NONE' && !response.mode_override) {
      // No body will be sent to us: nothing left to process for this request.
      this.finalizeResponse(false);
      this.completeExchange();
    }
  }

  private onResponseBody(message: HttpBody): void {
    const chunk = message.body ?? EMPTY;
    if (this.responseBodyMode === 'FULL_DUPLEX_STREAMED') {
      this.send({
        response_body: {
          response: {
            body_mutation: { streamed_response: { body: chunk, end_of_stream: message.end_of_stream } },
          },
        },
      });
    } else {
      this.send(CONTINUE_RESPONSE_BODY);
    }
    if (this.responseTracked && !this.responseOverflow) {
      if (this.sseParser && this.accumulator) {
        const accumulator = this.accumulator;
        const hadContent = accumulator.firstContentSeen;
        for (const event of this.sseParser.push(chunk)) accumulator.pushEvent(event);
        if (!hadContent && accumulator.firstContentSeen && this.requestRepliedAt !== undefined) {
          this.ttftMs = this.options.clock.now() - this.requestRepliedAt;
        }
        if (message.end_of_stream) for (const event of this.sseParser.end()) accumulator.pushEvent(event);
      } else {
        this.responseBytes += chunk.length;
        if (this.responseBytes > this.options.maxResponseBodyBytes) {
          this.responseOverflow = true;
          this.responseChunks = [];
        } else if (chunk.length > 0) {
          this.responseChunks.push(chunk);
        }
      }
    }
    if (message.end_of_stream) {
      this.finalizeResponse(false);
      this.completeExchange();
    }
  }

  /**
   * The exchange is over: end the stream with OK ourselves. An OK close only tells Envoy to stop
   * consulting us, which is moot now, and it spares Envoy the RST_STREAM it sends by default after
   * its last message — Node's HTTP/2 server (nghttp2 ≥ 1.57, CVE-2023-44487 mitigation) answers
   * more than 1,000 received resets at over 33/s with GOAWAY, killing every stream on the
   * connection.
   */
  private completeExchange(): void {
    if (this.closed || this.observability || this.queue.length > 0) return;
    this.closed = true;
    this.host.end();
  }

  /** Accounting and cache write, once per stream. `aborted`: the stream ended before the response did. */
  private finalizeResponse(aborted: boolean): void {
    if (this.finalized) return;
    this.finalized = true;
    const outcome = this.outcome;
    if (!outcome) {
      if (this.seenFirstMessage && !this.observability && this.options.onExchangeEnd) {
        this.report({
          kind: 'passthrough',
          decision: null,
          selectedModel: null,
          status: this.responseStatus,
          stream: false,
          complete: !aborted,
          aborted,
          cacheWritten: false,
        });
      }
      return;
    }
    let completion: ChatCompletion | undefined;
    if (!this.responseOverflow) {
      if (this.accumulator) {
        completion = this.accumulator.finish();
      } else if (this.responseChunks.length > 0) {
        try {
          const parsed: unknown = JSON.parse(
            new TextDecoder().decode(concatBytes(this.responseChunks, this.responseBytes)),
          );
          if (
            parsed &&
            typeof parsed === 'object' &&
            Array.isArray((parsed as { choices?: unknown }).choices)
          )
            completion = parsed as ChatCompletion;
        } catch {
          completion = undefined;
        }
      }
    }
    this.responseChunks = [];
    const success = this.responseStatus >= 200 && this.responseStatus < 300;
    let cacheWritten = false;
    if (!aborted && success && completion && outcome.cacheWrite) {
      cacheWritten = true;
      const context = outcome.cacheWrite;
      this.router.storeResponse(context, completion).catch((error: unknown) => {
        this.options.logger.warn(
          { error: error instanceof Error ? error.message : String(error) },
          'response cache write failed',
        );
      });
    }
    const usage = completion?.usage;
    const summary: ExchangeSummary = {
      kind: 'upstream',
      decision: outcome.explanation.decision,
      selectedModel: outcome.selectedModel,
      status: this.responseStatus,
      stream: outcome.stream,
      complete: completion !== undefined,
      aborted,
      cacheWritten,
      ...(this.routeLatencyMs !== undefined ? { routeLatencyMs: this.routeLatencyMs } : {}),
      ...(this.ttftMs !== undefined ? { ttftMs: this.ttftMs } : {}),
      ...(usage ? this.usageAndCost(outcome.selectedModel, usage) : {}),
    };
    this.report(summary);
  }

  private usageAndCost(
    model: string,
    usage: NonNullable<ChatCompletion['usage']>,
  ): Pick<ExchangeSummary, 'usage' | 'cost'> {
    const promptTokens = Number(usage.prompt_tokens) || 0;
    const completionTokens = Number(usage.completion_tokens) || 0;
    const totalTokens = Number(usage.total_tokens) || promptTokens + completionTokens;
    const result: { usage: ExchangeSummary['usage']; cost?: ExchangeSummary['cost'] } = {
      usage: { promptTokens, completionTokens, totalTokens },
    };
    const pricing = this.router.config.providers.models.find((entry) => entry.name === model)?.pricing;
    if (pricing && (pricing.prompt_per_1m !== undefined || pricing.completion_per_1m !== undefined)) {
      const amount =
        (promptTokens * (pricing.prompt_per_1m ?? 0) + completionTokens * (pricing.completion_per_1m ?? 0)) /
        1_000_000;
      result.cost = { amount, currency: pricing.currency };
    }
    return result as Pick<ExchangeSummary, 'usage' | 'cost'>;
  }

  private report(summary: ExchangeSummary): void {
    const callback = this.options.onExchangeEnd;
    if (!callback) return;
    const requestId = this.requestHeaders[HEADERS.requestId];
    try {
      callback(requestId === undefined ? summary : { requestId, ...summary });
    } catch (error) {
      this.options.logger.warn(
        { error: error instanceof Error ? error.message : String(error) },
        'onExchangeEnd threw',
      );
    }
  }
}
