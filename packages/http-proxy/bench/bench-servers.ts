/**
 * One server per process for the proxy benchmark: `node --import tsx bench-servers.ts <kind> <upstreamPort>`.
 * Prints `READY <port>` once listening. Kinds: sim, minimal, semroute-keyword, semroute-default.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createRouter, parseRouterConfig } from '@semroute/core';
import { serveHttpProxy } from '../src/node/serve.js';
import { serveSimulatedBackend } from '../src/simulator/serve-simulated-backend.js';
import { startMinimalProxy } from './minimal-proxy.js';

const [kind, upstreamPort] = process.argv.slice(2);

const KEYWORD_ONLY = `
version: v0.3
providers:
  models:
    - name: base-model
      backend_refs: [{name: sim, endpoint: "127.0.0.1:${upstreamPort}"}]
routing:
  modelCards: [{name: base-model, loras: [{name: math-expert}, {name: law-expert}]}]
  signals:
    keywords:
      - {name: math_vocab, keywords: [derivative, integral, equation, probability, theorem, matrix]}
      - {name: legal_vocab, keywords: [plaintiff, defendant, statute, tort, contract, liability]}
  decisions:
    - {name: math, priority: 50, rules: {operator: OR, conditions: [{type: keyword, name: math_vocab}]}, modelRefs: [{model: base-model, lora_name: math-expert}]}
    - {name: law, priority: 40, rules: {operator: OR, conditions: [{type: keyword, name: legal_vocab}]}, modelRefs: [{model: base-model, lora_name: law-expert}]}
    - {name: general, priority: 1, modelRefs: [{model: base-model}]}
`;

async function main(): Promise<void> {
  let port: number;
  if (kind === 'sim') {
    const sim = await serveSimulatedBackend({
      port: 0,
      models: ['base-model'],
      loras: ['math-expert', 'law-expert', 'general-expert'],
      responseText: 'The derivative of x^3 is 3x^2.',
    });
    port = sim.port;
  } else if (kind === 'minimal') {
    const server = await startMinimalProxy(`http://127.0.0.1:${upstreamPort}`, 0, 'math-expert');
    port = (server.address() as AddressInfo).port;
  } else if (kind === 'semroute-stub-router') {
    // Diagnostic: the proxy plumbing alone, with a router that returns a fixed outcome.
    const { config } = parseRouterConfig(KEYWORD_ONLY);
    const real = await createRouter({ config });
    const sample = await real.route({
      body: { model: 'auto', messages: [{ role: 'user', content: 'derivative' }] },
    });
    const router = { ...real, route: async () => sample };
    const proxy = await serveHttpProxy({ router, port: 0 });
    port = proxy.port;
  } else if (kind === 'semroute-default') {
    // All default signals: the quickstart config's keyword, domain, embedding, jailbreak and PII
    // signals on the default offline models (built into ./models when missing).
    const yaml = readFileSync(new URL('../../../examples/quickstart/config.yaml', import.meta.url), 'utf8');
    const modelsDir = fileURLToPath(new URL('../../../models', import.meta.url));
    const { config } = parseRouterConfig(yaml, {
      env: { SEMROUTE_SIM_PORT: upstreamPort, SEMROUTE_MODELS_DIR: modelsDir },
    });
    const classifiers = await import('@semroute/classifiers');
    if (!(await classifiers.defaultModelsUpToDate(modelsDir)))
      await classifiers.buildDefaultModels({ modelsDir });
    const router = await createRouter({
      config,
      signalProviders: [classifiers.createClassifierSignalProvider({ modelsDir })],
    });
    const proxy = await serveHttpProxy({ router, port: 0 });
    port = proxy.port;
  } else {
    const { config } = parseRouterConfig(KEYWORD_ONLY, { env: { SEMROUTE_SIM_PORT: upstreamPort } });
    const router = await createRouter({ config });
    const proxy = await serveHttpProxy({ router, port: 0 });
    port = proxy.port;
  }
  process.stdout.write(`READY ${port}\n`);
}

process.on('SIGTERM', () => process.exit(0));
void main();
