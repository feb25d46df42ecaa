/**
 * Configs and fakes shared by this package's tests (not exported from the package).
 *
 * @module
 */
import { createRouter, parseRouterConfig, type Router } from '@semroute/core';
import type { ClassificationServiceV1 } from '../src/api/classification-service.js';

/** A keyword-only config; `decisionModel` names the LoRA the `math` decision routes to. */
export function configText(options: { readonly mathAdapter?: string; readonly extra?: string } = {}): string {
  return `version: v0.3
providers:
  defaults: {default_model: base-model}
  models:
    - name: base-model
      provider_model_id: base-model
      pricing: {currency: USD, prompt_per_1m: 1, completion_per_1m: 2}
      backend_refs: [{name: sim, endpoint: "127.0.0.1:8000", protocol: http}]
routing:
  modelCards:
    - name: base-model
      loras:
        - {name: math-expert}
        - {name: math-expert-v2}
        - {name: general-expert}
  signals:
    keywords:
      - {name: math_vocab, operator: OR, keywords: [derivative, integral, equation]}
      - {name: jailbreak_phrases, operator: OR, keywords: [ignore previous instructions]}
  decisions:
    - name: block_jailbreak
      priority: 1000
      rules: {operator: OR, conditions: [{type: keyword, name: jailbreak_phrases}]}
      plugins:
        - {type: fast_response, configuration: {message: "Request refused by policy."}}
    - name: math
      priority: 50
      rules: {operator: OR, conditions: [{type: keyword, name: math_vocab}]}
      modelRefs: [{model: base-model, lora_name: ${options.mathAdapter ?? 'math-expert'}}]
      plugins:
        - {type: system_prompt, configuration: {mode: insert, system_prompt: "Show each step."}}
    - name: general
      priority: 1
      rules: {operator: AND, conditions: []}
      modelRefs: [{model: base-model, lora_name: general-expert}]
global:
  router: {auto_model_names: [auto], include_config_models_in_list: true}
${options.extra ?? ''}`;
}

export async function routerFor(text: string): Promise<Router> {
  return createRouter({ config: parseRouterConfig(text).config });
}

/** Wraps a router so every `route()` takes `delayMs` longer and `close()` is recorded. */
export function slowRouter(router: Router, delayMs: number): Router & { closed: boolean } {
  const wrapped = {
    closed: false,
    get config() {
      return router.config;
    },
    async route(...args: Parameters<Router['route']>) {
      if (wrapped.closed) throw new Error('route() on a closed router');
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (wrapped.closed) throw new Error('router closed while a request was in flight');
      return router.route(...args);
    },
    listModels: () => router.listModels(),
    storeResponse: (...args: Parameters<Router['storeResponse']>) => router.storeResponse(...args),
    async close() {
      wrapped.closed = true;
      await router.close();
    },
  };
  return wrapped;
}

export const chat = (content: string) => ({ body: { model: 'auto', messages: [{ role: 'user', content }] } });

/** A deterministic classification service. */
export function fakeClassification(
  overrides: Partial<ClassificationServiceV1> = {},
): ClassificationServiceV1 & {
  calls: number;
  maxConcurrent: number;
} {
  let active = 0;
  const state = { calls: 0, maxConcurrent: 0 };
  const track = async <T>(run: () => T): Promise<T> => {
    state.calls++;
    active++;
    state.maxConcurrent = Math.max(state.maxConcurrent, active);
    await new Promise((resolve) => setTimeout(resolve, 2));
    active--;
    return run();
  };
  const service: ClassificationServiceV1 = {
    specificationVersion: 'v1',
    classifyIntent: (text) =>
      track(() =>
        /derivative|integral/.test(text)
          ? { category: 'math', confidence: 0.92, probabilities: { math: 0.92, other: 0.08 } }
          : { category: 'other', confidence: 0.6, probabilities: { math: 0.4, other: 0.6 } },
      ),
    detectPii: (text) =>
      track(() => {
        const entities = [];
        for (const match of text.matchAll(/[\w.]+@[\w.]+\.\w+/g))
          entities.push({
            type: 'EMAIL_ADDRESS',
            start: match.index,
            end: match.index + match[0].length,
            confidence: 0.98,
          });
        return { entities };
      }),
    detectJailbreak: (text) =>
      track(() => {
        const attack = /ignore previous instructions/i.test(text);
        return { isJailbreak: attack, riskScore: attack ? 0.97 : 0.02, confidence: attack ? 0.97 : 0.98 };
      }),
    embed: (texts) =>
      track(() => ({
        model: 'fake-embedder',
        embeddings: texts.map((text) => {
          const vector = new Float32Array(4);
          for (let index = 0; index < text.length; index++) vector[text.charCodeAt(index) % 4]! += 1;
          return vector;
        }),
      })),
    describe: () => [{ task: 'intent', modelId: 'fake-intent', loaded: true, labels: ['math', 'other'] }],
    ready: () => true,
    ...overrides,
  };
  return Object.defineProperties(service, {
    calls: { get: () => state.calls },
    maxConcurrent: { get: () => state.maxConcurrent },
  }) as ClassificationServiceV1 & { calls: number; maxConcurrent: number };
}
