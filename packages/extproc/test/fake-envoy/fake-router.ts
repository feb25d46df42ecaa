/**
 * A small scripted Router (the contract in @semroute/core's route-types.ts) for the ext_proc
 * tests: keyword routing to two models, a `fast_response` block on "jailbreak", a cache hit on
 * "cached question" (JSON or SSE), 400 on malformed bodies, an optional gate to hold routing,
 * and a record of `storeResponse` calls.
 *
 * @module
 */
import {
  type ChatCompletion,
  type ChatCompletionRequest,
  type ImmediateOutcome,
  type ModelListEntry,
  type ResponseCacheContext,
  type RouteExplanation,
  type RouteOutcome,
  type RouteRequest,
  type Router,
  routerConfigSchema,
  type UpstreamOutcome,
} from '@semroute/core';

export interface FakeRouter extends Router {
  readonly routeCalls: RouteRequest[];
  readonly stored: { context: ResponseCacheContext; completion: ChatCompletion }[];
  /** Holds every route() until `release()` (timeout scenarios). */
  hold(): void;
  release(): void;
  /** Makes route() reject (internal failure). */
  failWith(error: Error | undefined): void;
}

const explanation = (decision: string | null, model: string | null): RouteExplanation => ({
  recipe: 'default',
  decision,
  confidence: 1,
  selectedModel: model,
  model,
  requestedModel: 'auto',
  passthrough: false,
  usedDefaultModel: false,
  algorithm: null,
  reasoning: null,
  signals: [],
  matchedDecisions: [],
  plugins: [],
  tokenCount: 0,
  latencyMs: 0,
});

export const CANNED_COMPLETION: ChatCompletion = {
  id: 'chatcmpl-cached',
  object: 'chat.completion',
  created: 1,
  model: 'math-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'cached answer' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
};

function sseOf(completion: ChatCompletion): string {
  const chunk = {
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    choices: [
      {
        index: 0,
        delta: { role: 'assistant', content: completion.choices[0]?.message.content ?? '' },
        finish_reason: 'stop',
      },
    ],
  };
  return `data: ${JSON.stringify(chunk)}\n\ndata: [DONE]\n\n`;
}

export function createFakeRouter(configInput: Record<string, unknown> = {}): FakeRouter {
  const config = routerConfigSchema.parse({
    version: 'v0.3',
    providers: {
      models: [
        { name: 'math-model', pricing: { prompt_per_1m: 1, completion_per_1m: 2 } },
        { name: 'general-model' },
      ],
    },
    ...configInput,
  });
  const routeCalls: RouteRequest[] = [];
  const stored: FakeRouter['stored'] = [];
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let failure: Error | undefined;

  const immediate = (
    reason: ImmediateOutcome['reason'],
    status: number,
    headers: Record<string, string>,
    body: string,
    decision: string | null,
  ): ImmediateOutcome => ({
    type: 'immediate',
    reason,
    status,
    headers,
    body,
    explanation: explanation(decision, null),
  });

  return {
    config,
    routeCalls,
    stored,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release() {
      open?.();
      gate = undefined;
    },
    failWith(error) {
      failure = error;
    },
    async route(request: RouteRequest, options?: { readonly signal?: AbortSignal }): Promise<RouteOutcome> {
      routeCalls.push(request);
      if (gate) await gate;
      if (options?.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      if (failure) throw failure;
      const text =
        typeof request.body === 'string'
          ? request.body
          : new TextDecoder().decode(request.body as Uint8Array);
      let body: ChatCompletionRequest;
      try {
        body = JSON.parse(text) as ChatCompletionRequest;
        if (!body || !Array.isArray(body.messages)) throw new Error('messages must be an array');
      } catch (error) {
        return immediate(
          'error',
          400,
          { 'content-type': 'application/json', 'x-vsr-response-path': 'error' },
          JSON.stringify({
            error: {
              message: `invalid request: ${(error as Error).message}`,
              type: 'invalid_request_error',
              code: 'invalid_request',
              param: null,
            },
          }),
          null,
        );
      }
      const prompt = body.messages
        .map((message) => (typeof message.content === 'string' ? message.content : ''))
        .join('\n');
      const stream = body.stream === true;
      if (/jailbreak/i.test(prompt)) {
        const completion = {
          ...CANNED_COMPLETION,
          id: 'chatcmpl-fast-1',
          model: 'router',
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: 'I cannot help with that.' },
              finish_reason: 'stop',
            },
          ],
        };
        return immediate(
          'fast_response',
          200,
          {
            'content-type': stream ? 'text/event-stream' : 'application/json',
            'x-vsr-fast-response': 'true',
            'x-vsr-selected-decision': 'block_jailbreak',
          },
          stream ? sseOf(completion) : JSON.stringify(completion),
          'block_jailbreak',
        );
      }
      if (/cached question/i.test(prompt)) {
        return immediate(
          'cache',
          200,
          {
            'content-type': stream ? 'text/event-stream' : 'application/json',
            'x-vsr-cache-hit': 'true',
            'x-vsr-selected-decision': 'math',
          },
          stream ? sseOf(CANNED_COMPLETION) : JSON.stringify(CANNED_COMPLETION),
          'math',
        );
      }
      const isMath = /math|integral|derivative/i.test(prompt);
      const model = isMath ? 'math-model' : 'general-model';
      const decision = isMath ? 'math' : 'general';
      const bodyChanged = body.model !== model;
      const finalBody = { ...body, model };
      const cacheWrite: ResponseCacheContext = {
        request: body,
        headers: {},
        recipe: 'default',
        decision,
        requestedModel: body.model,
        selectedModel: model,
        stream,
        plugin: {} as ResponseCacheContext['plugin'],
        policyFingerprint: decision,
      };
      const outcome: UpstreamOutcome = {
        type: 'upstream',
        body: finalBody,
        bodyText: JSON.stringify(finalBody),
        bodyChanged,
        selectedModel: model,
        fallbackModels: [],
        requestHeaders: { set: { 'x-selected-model': model }, remove: ['x-vsr-looper-model'] },
        responseHeaders: {
          'x-vsr-selected-model': model,
          'x-vsr-selected-decision': decision,
          'x-vsr-schema-version': '2',
          'x-vsr-response-path': 'upstream',
        },
        stream,
        clearRouteCache: config.global.router.clear_route_cache,
        cacheWrite,
        explanation: explanation(decision, model),
      };
      return outcome;
    },
    listModels() {
      const data: ModelListEntry[] = [{ id: 'MoM', object: 'model', created: 0, owned_by: 'semroute' }];
      return { object: 'list', data };
    },
    async storeResponse(context, completion) {
      stored.push({ context, completion });
    },
    async close() {},
  };
}
