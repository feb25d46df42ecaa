import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRouter, parseRouterConfig } from '@semroute/core';
import autocannon from 'autocannon';
import { serveHttpProxy } from '../src/node/serve.js';
import { serveSimulatedBackend } from '../src/simulator/serve-simulated-backend.js';

const sim = await serveSimulatedBackend({
  port: 0,
  models: ['base-model'],
  loras: ['math-expert'],
  responseText: 'The derivative of x^3 is 3x^2.',
});
const { config } = parseRouterConfig(`
version: v0.3
providers:
  models:
    - name: base-model
      backend_refs: [{name: sim, endpoint: "127.0.0.1:${sim.port}"}]
routing:
  modelCards: [{name: base-model, loras: [{name: math-expert}]}]
  signals:
    keywords:
      - {name: math_vocab, keywords: [derivative, integral]}
  decisions:
    - {name: math, priority: 50, rules: {operator: OR, conditions: [{type: keyword, name: math_vocab}]}, modelRefs: [{model: base-model, lora_name: math-expert}]}
`);
const router = await createRouter({ config });
const proxy = await serveHttpProxy({ router, port: 0 });
const body = JSON.stringify({
  model: 'auto',
  messages: [{ role: 'user', content: 'Compute the derivative of x^3 step by step' }],
});
const run = (d: number) =>
  autocannon({
    url: proxy.url,
    connections: 8,
    duration: d,
    requests: [
      { method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body },
    ],
  });
await run(2);
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.start');
const r = (await run(4)) as unknown as { requests: { average: number } };
const { profile } = await session.post('Profiler.stop');
writeFileSync('/tmp/proxy.cpuprofile', JSON.stringify(profile));
console.log('rps', r.requests.average);
// self time by function
const nodes = profile.nodes;
const total = new Map<string, number>();
const dt = profile.timeDeltas!;
const samples = profile.samples!;
const byId = new Map(nodes.map((n) => [n.id, n]));
for (let i = 0; i < samples.length; i++) {
  const n = byId.get(samples[i]!)!;
  const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`;
  total.set(key, (total.get(key) ?? 0) + (dt[i] ?? 0));
}
const sum = [...total.values()].reduce((a, b) => a + b, 0);
for (const [k, v] of [...total.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40))
  console.log(((100 * v) / sum).toFixed(1).padStart(5), k);
await proxy.close(0);
await sim.close(0);
process.exit(0);
