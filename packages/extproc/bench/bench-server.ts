/**
 * One ext_proc server process for the benchmark: `keyword` (real router, keyword signals only),
 * `all-signals` (real router, every signal family core serves without models), or `noop` (a
 * grpc-js server answering every message with CONTINUE: the ceiling of grpc-js here). Prints
 * `{"port":N}` on stdout once listening.
 */

import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { createClassifierSignalProvider } from '@semroute/classifiers';
import { createRouter, parseRouterConfig } from '@semroute/core';
import type { ProcessingRequest, ProcessingResponse } from '../src/ext-proc-messages.js';
import { serveExtProc } from '../src/node/serve.js';
import { loadExtProcServiceDefinition } from '../src/proto-definitions.js';

const MODELS = `
version: v0.3
providers:
  defaults: {default_model: base-model}
  models:
    - name: base-model
      provider_model_id: base-model
      backend_refs: [{name: sim, endpoint: "127.0.0.1:8000", protocol: http, weight: 1}]
routing:
  modelCards:
    - name: base-model
      loras: [{name: math-expert, description: math}, {name: code-expert, description: code}, {name: general-expert, description: general}]
`;

const KEYWORD = `${MODELS}
  signals:
    keywords:
      - {name: math_vocab, operator: OR, keywords: [derivative, integral, equation, probability, theorem, matrix, polynomial, calculus, algebra]}
      - {name: code_vocab, operator: OR, keywords: [python, javascript, function, compile, stack trace, segfault]}
      - {name: jailbreak_phrases, operator: OR, keywords: [ignore all previous instructions, developer mode enabled]}
  decisions:
    - {name: block, priority: 1000, rules: {operator: OR, conditions: [{type: keyword, name: jailbreak_phrases}]}, plugins: [{type: fast_response, configuration: {message: refused}}]}
    - {name: math, priority: 50, rules: {operator: OR, conditions: [{type: keyword, name: math_vocab}]}, modelRefs: [{model: base-model, lora_name: math-expert}]}
    - {name: code, priority: 40, rules: {operator: OR, conditions: [{type: keyword, name: code_vocab}]}, modelRefs: [{model: base-model, lora_name: code-expert}]}
    - {name: general, priority: 1, rules: {operator: AND, conditions: []}, modelRefs: [{model: base-model, lora_name: general-expert}]}
`;

const ALL_SIGNALS = `${MODELS}
  signals:
    keywords:
      - {name: math_vocab, operator: OR, keywords: [derivative, integral, equation, probability, theorem, matrix, polynomial, calculus, algebra]}
      - {name: code_vocab, operator: OR, keywords: [python, javascript, function, compile, stack trace, segfault]}
      - {name: jailbreak_phrases, operator: OR, keywords: [ignore all previous instructions, developer mode enabled]}
    context:
      - {name: long_context, min_tokens: 4K}
    structure:
      - name: many_questions
        feature: {type: count, source: {type: regex, pattern: '\\?'}}
        predicate: {gte: 3}
    conversation:
      - name: multi_turn
        feature: {type: count, source: {type: message, role: user}}
        predicate: {gte: 2}
  decisions:
    - {name: block, priority: 1000, rules: {operator: OR, conditions: [{type: keyword, name: jailbreak_phrases}]}, plugins: [{type: fast_response, configuration: {message: refused}}]}
    - name: math
      priority: 50
      rules: {operator: AND, conditions: [{type: keyword, name: math_vocab}, {operator: NOT, conditions: [{type: context, name: long_context}]}]}
      modelRefs: [{model: base-model, lora_name: math-expert}]
    - name: code
      priority: 40
      rules: {operator: OR, conditions: [{type: keyword, name: code_vocab}, {type: structure, name: many_questions}, {type: conversation, name: multi_turn}]}
      modelRefs: [{model: base-model, lora_name: code-expert}]
    - {name: general, priority: 1, rules: {operator: AND, conditions: []}, modelRefs: [{model: base-model, lora_name: general-expert}]}
`;

/** (b) every default signal family: the model-free ones plus the learned ones with the default models. */
const DEFAULT_SIGNALS = `${MODELS}
  signals:
    keywords:
      - {name: math_vocab, operator: OR, keywords: [derivative, integral, equation, probability, theorem, matrix, polynomial, calculus, algebra]}
      - {name: code_vocab, operator: OR, keywords: [python, javascript, function, compile, stack trace, segfault]}
    context:
      - {name: long_context, min_tokens: 4K}
    structure:
      - name: many_questions
        feature: {type: count, source: {type: regex, pattern: '\\?'}}
        predicate: {gte: 3}
    conversation:
      - name: multi_turn
        feature: {type: count, source: {type: message, role: user}}
        predicate: {gte: 2}
    embeddings:
      - {name: quantitative, threshold: 0.7, aggregation_method: max, candidates: [evaluate this integral, compute the probability, simplify the expression]}
    domains:
      - {name: math, description: Mathematics and statistics}
      - {name: computer science, description: Programming}
      - {name: other, description: Everything else}
    jailbreak:
      - {name: prompt_attack, threshold: 0.7}
    pii:
      - {name: no_pii, threshold: 0.5}
  decisions:
    - {name: block, priority: 1000, rules: {operator: OR, conditions: [{type: jailbreak, name: prompt_attack}, {type: pii, name: no_pii}]}, plugins: [{type: fast_response, configuration: {message: refused}}]}
    - name: math
      priority: 50
      rules: {operator: OR, conditions: [{type: domain, name: math}, {type: embedding, name: quantitative}, {type: keyword, name: math_vocab}]}
      modelRefs: [{model: base-model, lora_name: math-expert}]
    - name: code
      priority: 40
      rules: {operator: OR, conditions: [{type: domain, name: computer science}, {type: keyword, name: code_vocab}, {type: structure, name: many_questions}, {type: conversation, name: multi_turn}, {type: context, name: long_context}]}
      modelRefs: [{model: base-model, lora_name: code-expert}]
    - {name: general, priority: 1, rules: {operator: AND, conditions: []}, modelRefs: [{model: base-model, lora_name: general-expert}]}
`;

function continueReply(request: ProcessingRequest): ProcessingResponse {
  switch (request.request) {
    case 'request_headers':
      return { request_headers: {} };
    case 'request_body':
      return { request_body: {} };
    case 'response_headers':
      return { response_headers: {} };
    case 'response_body':
      return { response_body: {} };
    case 'request_trailers':
      return { request_trailers: {} };
    default:
      return { response_trailers: {} };
  }
}

/** Wall time spent inside `router.route()`, µs (to split server CPU into routing and transport). */
let routeUs = 0;

/** Answers `cpu` lines on stdin with this process's CPU time in µs (user + system). */
function serveCpuUsage(): void {
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', () => {
    const usage = process.cpuUsage();
    process.stdout.write(
      `${JSON.stringify({ cpuUs: usage.user + usage.system, routeUs: Math.round(routeUs) })}\n`,
    );
  });
}

async function main(): Promise<void> {
  process.on('SIGTERM', () => process.exit(0)); // lets --cpu-prof write its profile
  serveCpuUsage();
  const scenario = process.argv[2] ?? 'noop';
  if (scenario === 'noop') {
    const server = new grpc.Server();
    server.addService(loadExtProcServiceDefinition() as unknown as grpc.ServiceDefinition, {
      Process(call: grpc.ServerDuplexStream<ProcessingRequest, ProcessingResponse>) {
        call.on('data', (request: ProcessingRequest) => call.write(continueReply(request)));
        call.on('end', () => call.end());
        call.on('error', () => {});
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    process.stdout.write(`${JSON.stringify({ port })}\n`);
    return;
  }
  const text =
    scenario === 'keyword' ? KEYWORD : scenario === 'default-signals' ? DEFAULT_SIGNALS : ALL_SIGNALS;
  const modelsDir =
    process.env.SEMROUTE_MODELS_DIR ?? fileURLToPath(new URL('../../../models', import.meta.url));
  const router = await createRouter({
    config: parseRouterConfig(text).config,
    ...(scenario === 'default-signals'
      ? { signalProviders: [createClassifierSignalProvider({ modelsDir, backend: 'onnx' })] }
      : {}),
  });
  const route = router.route.bind(router);
  router.route = async (request, options) => {
    const started = performance.now();
    try {
      return await route(request, options);
    } finally {
      routeUs += (performance.now() - started) * 1000;
    }
  };
  const server = await serveExtProc({ router, port: 0, host: '127.0.0.1' });
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
}

void main();
