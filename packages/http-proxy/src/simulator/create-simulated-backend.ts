/**
 * A simulated OpenAI-compatible model server (in the spirit of llm-d's inference simulator) for
 * the quickstart, examples, tests and benchmarks: `GET /v1/models` (LoRA adapters listed with
 * their parent, as vLLM does), `POST /v1/chat/completions` as JSON or SSE with usage counts,
 * `GET /health`, configurable time to first token and tokens per second, and fault injection
 * (error rate and status, Retry-After, latency, dropping a stream midway). Runtime-neutral: use
 * `.fetch` on any Fetch runtime or `serveSimulatedBackend` on Node.
 *
 * @module
 */
import { toFetchHandler } from '../http/fetch-adapter.js';
import type { HttpHandler, HttpInput, HttpResult } from '../http/http-exchange.js';

/** Faults that can be changed while the backend runs. */
export interface SimulatedFaults {
  /** Share of chat requests answered with `errorStatus`, in [0, 1]. Default 0. */
  readonly errorRate?: number;
  /** Status of injected errors. Default 500. */
  readonly errorStatus?: number;
  /** Retry-After (seconds) sent with injected errors. */
  readonly retryAfterSeconds?: number;
  /** Extra delay before the response headers, ms. Default 0. */
  readonly latencyMs?: number;
  /** Cut streams after half of the tokens: `true`, or a probability in [0, 1]. Default false. */
  readonly dropMidStream?: boolean | number;
  /** Fail exactly the next N chat requests with `errorStatus` (then answer normally). */
  readonly failNext?: number;
}

export interface SimulatedBackendOptions extends SimulatedFaults {
  /** Base models served. Default `['base-model']`. */
  readonly models?: readonly string[];
  /** LoRA adapters, by name (parent: the first model) or `{ name, parent }`. */
  readonly loras?: readonly (string | { readonly name: string; readonly parent?: string })[];
  /** Generation speed; 0 or unset sends every token at once. */
  readonly tokensPerSecond?: number;
  /** Time to first token, ms. Default 0. */
  readonly ttftMs?: number;
  /**
   * Completion text: a fixed string, a function of the request, or `'echo'` (default):
   * `"[<model>] <last user message>"`.
   */
  readonly responseText?:
    | string
    | ((request: { readonly model: string; readonly lastUserText: string }) => string);
  /** Name sent as `x-sim-backend` on every response (tells replicas apart in tests). */
  readonly name?: string;
  /** Answer any model name instead of 404 for unknown ones. Default false. */
  readonly acceptAnyModel?: boolean;
  readonly random?: () => number;
  readonly clock?: { now(): number };
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** One chat request the backend received. */
export interface SimulatedRequestRecord {
  readonly model: string;
  readonly stream: boolean;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** What happened: answered, injected error, dropped stream, unknown model, bad request. */
  readonly result: 'ok' | 'error' | 'dropped' | 'not-found' | 'bad-request';
}

export interface SimulatedBackend {
  readonly handle: HttpHandler;
  readonly fetch: (request: Request) => Promise<Response>;
  /** Replaces the fault settings (unset fields reset to their defaults). */
  setFaults(faults: SimulatedFaults): void;
  /** The last 1,000 chat requests, oldest first. */
  readonly requests: readonly SimulatedRequestRecord[];
  /** Chat requests received since start (or `reset()`). */
  readonly requestCount: number;
  /** Streams the client (e.g. the proxy) abandoned before the end. */
  readonly streamsCancelled: number;
  reset(): void;
  /** Model ids listed by `/v1/models` (base models and adapters). */
  readonly modelIds: readonly string[];
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function json(status: number, value: unknown, headers: Record<string, string>): HttpResult {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

function vllmError(
  status: number,
  message: string,
  type: string,
  headers: Record<string, string>,
): HttpResult {
  return json(
    status,
    { object: 'error', message, type, param: null, code: status, error: { message, type, code: status } },
    headers,
  );
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) =>
      part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string'
        ? (part as { text: string }).text
        : '',
    )
    .filter(Boolean)
    .join('\n');
}

/** Splits text into "tokens": words with their leading space. */
function tokenize(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

const encoder = new TextEncoder();

export function createSimulatedBackend(options: SimulatedBackendOptions = {}): SimulatedBackend {
  const models = options.models && options.models.length > 0 ? [...options.models] : ['base-model'];
  const loras = (options.loras ?? []).map((lora) =>
    typeof lora === 'string'
      ? { name: lora, parent: models[0]! }
      : { name: lora.name, parent: lora.parent ?? models[0]! },
  );
  const known = new Set([...models, ...loras.map((lora) => lora.name)]);
  const random = options.random ?? Math.random;
  const clock = options.clock ?? { now: () => Date.now() };
  const sleep = options.sleep ?? defaultSleep;
  const baseHeaders: Record<string, string> = options.name ? { 'x-sim-backend': options.name } : {};
  const createdAt = Math.floor(clock.now() / 1000);
  let faults: SimulatedFaults = { ...options };
  let requests: SimulatedRequestRecord[] = [];
  let requestCount = 0;
  let streamsCancelled = 0;
  let failNext = options.failNext ?? 0;
  let sequence = 0;

  const record = (entry: SimulatedRequestRecord) => {
    requestCount++;
    requests.push(entry);
    if (requests.length > 1000) requests = requests.slice(-1000);
  };

  const chance = (value: boolean | number | undefined) =>
    value === true || (typeof value === 'number' && value > 0 && random() < value);

  function listModels(): HttpResult {
    return json(
      200,
      {
        object: 'list',
        data: [
          ...models.map((id) => ({
            id,
            object: 'model',
            created: createdAt,
            owned_by: 'semroute-sim',
            root: id,
            parent: null,
            max_model_len: 32768,
          })),
          ...loras.map((lora) => ({
            id: lora.name,
            object: 'model',
            created: createdAt,
            owned_by: 'semroute-sim',
            root: `/adapters/${lora.name}`,
            parent: lora.parent,
            max_model_len: 32768,
          })),
        ],
      },
      baseHeaders,
    );
  }

  async function chat(input: HttpInput): Promise<HttpResult> {
    let body: Record<string, unknown>;
    try {
      const parsed = JSON.parse(await input.readBody(32 * 1024 * 1024)) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      record({ model: '', stream: false, headers: input.headers, result: 'bad-request' });
      return vllmError(400, 'request body must be a JSON object', 'BadRequestError', baseHeaders);
    }
    const model = typeof body.model === 'string' ? body.model : '';
    const stream = body.stream === true;
    const messages = Array.isArray(body.messages)
      ? (body.messages as Array<{ role?: unknown; content?: unknown }>)
      : [];
    if (!options.acceptAnyModel && !known.has(model)) {
      record({ model, stream, headers: input.headers, result: 'not-found' });
      return vllmError(404, `The model \`${model}\` does not exist.`, 'NotFoundError', baseHeaders);
    }
    if (faults.latencyMs) await sleep(faults.latencyMs, input.signal);
    const failThis = failNext > 0;
    if (failThis) failNext--;
    if (failThis || (faults.errorRate && random() < faults.errorRate)) {
      record({ model, stream, headers: input.headers, result: 'error' });
      const status = faults.errorStatus ?? 500;
      const headers =
        faults.retryAfterSeconds !== undefined
          ? { ...baseHeaders, 'retry-after': String(faults.retryAfterSeconds) }
          : baseHeaders;
      return vllmError(
        status,
        `simulated failure (${status})`,
        status === 429 ? 'RateLimitError' : 'InternalServerError',
        headers,
      );
    }

    const lastUser = [...messages].reverse().find((message) => message.role === 'user');
    const lastUserText = textOf(lastUser?.content);
    const text =
      typeof options.responseText === 'function'
        ? options.responseText({ model, lastUserText })
        : options.responseText !== undefined && options.responseText !== 'echo'
          ? options.responseText
          : `[${model}] ${lastUserText}`;
    let tokens = tokenize(text);
    const maxTokens =
      typeof body.max_completion_tokens === 'number'
        ? body.max_completion_tokens
        : typeof body.max_tokens === 'number'
          ? body.max_tokens
          : undefined;
    let finishReason = 'stop';
    if (maxTokens !== undefined && tokens.length > maxTokens) {
      tokens = tokens.slice(0, Math.max(0, maxTokens));
      finishReason = 'length';
    }
    const promptTokens = messages.reduce((sum, message) => sum + tokenize(textOf(message.content)).length, 0);
    const usage = {
      prompt_tokens: promptTokens,
      completion_tokens: tokens.length,
      total_tokens: promptTokens + tokens.length,
    };
    const id = `chatcmpl-sim-${++sequence}`;
    const created = Math.floor(clock.now() / 1000);

    if (!stream) {
      if (options.ttftMs) await sleep(options.ttftMs, input.signal);
      if (options.tokensPerSecond && tokens.length > 1)
        await sleep(((tokens.length - 1) * 1000) / options.tokensPerSecond, input.signal);
      record({ model, stream, headers: input.headers, result: 'ok' });
      return json(
        200,
        {
          id,
          object: 'chat.completion',
          created,
          model,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: tokens.join('') },
              logprobs: null,
              finish_reason: finishReason,
            },
          ],
          usage,
        },
        baseHeaders,
      );
    }

    const drop = chance(faults.dropMidStream);
    record({ model, stream, headers: input.headers, result: drop ? 'dropped' : 'ok' });
    const includeUsage =
      (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    const chunk = (delta: Record<string, unknown>, finish: string | null) =>
      encoder.encode(
        `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`,
      );
    const interval = options.tokensPerSecond ? 1000 / options.tokensPerSecond : 0;
    const ttftMs = options.ttftMs ?? 0;
    const signal = input.signal;
    async function* events(): AsyncGenerator<Uint8Array> {
      let finished = false;
      try {
        yield* tokensOf();
        finished = true;
      } finally {
        if (!finished && !drop) streamsCancelled++;
      }
    }
    async function* tokensOf(): AsyncGenerator<Uint8Array> {
      if (ttftMs) await sleep(ttftMs, signal);
      yield chunk({ role: 'assistant', content: '' }, null);
      const dropAt = drop ? Math.floor(tokens.length / 2) : -1;
      for (let index = 0; index < tokens.length; index++) {
        if (index === dropAt) throw new Error('simulated drop mid-stream');
        if (interval && index > 0) await sleep(interval, signal);
        yield chunk({ content: tokens[index] }, null);
      }
      if (drop) throw new Error('simulated drop mid-stream');
      yield chunk({}, finishReason);
      if (includeUsage) {
        yield encoder.encode(
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage })}\n\n`,
        );
      }
      yield encoder.encode('data: [DONE]\n\n');
    }
    return {
      status: 200,
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...baseHeaders },
      body: events(),
    };
  }

  async function handle(input: HttpInput): Promise<HttpResult> {
    try {
      if (input.path === '/v1/models' && input.method === 'GET') return listModels();
      if (input.path === '/health' && input.method === 'GET') return json(200, { status: 'ok' }, baseHeaders);
      if (input.path === '/v1/chat/completions' && input.method === 'POST') return await chat(input);
      return vllmError(404, `unknown path ${input.method} ${input.path}`, 'NotFoundError', baseHeaders);
    } catch (error) {
      return vllmError(
        500,
        error instanceof Error ? error.message : 'internal error',
        'InternalServerError',
        baseHeaders,
      );
    }
  }

  return {
    handle,
    fetch: toFetchHandler(handle),
    setFaults(next) {
      faults = { ...next };
      failNext = next.failNext ?? 0;
    },
    get requests() {
      return requests;
    },
    get requestCount() {
      return requestCount;
    },
    get streamsCancelled() {
      return streamsCancelled;
    },
    reset() {
      requests = [];
      requestCount = 0;
      streamsCancelled = 0;
    },
    modelIds: [...known],
  };
}
