import { readFileSync } from 'node:fs';
import { createRouter, parseRouterConfig } from '@semroute/core';
import { createRouterTelemetry } from './packages/server/src/index.ts';
const config = parseRouterConfig(readFileSync('examples/quickstart/config.yaml', 'utf8')).config;
const router = await createRouter({ config });
const t = createRouterTelemetry({ config: () => config });
const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
const P = ['Compute the derivative of x^3 step by step','Does the defendant owe damages under the contract?','Write a haiku about the sea','Prove the theorem about prime numbers, show your work'];
const outcomes = await Promise.all(P.map(c => router.route({ body: { model: 'auto', messages: [{ role: 'user', content: c }] }, headers })));
for (let r = 0; r < 5; r++) {
  let before = process.cpuUsage();
  for (let i = 0; i < 200000; i++) { const req = t.startRequest({ headers }); req.end({ status: 200 }); }
  let u = process.cpuUsage(before); const a = (u.user + u.system) / 200000;
  before = process.cpuUsage();
  for (let i = 0; i < 200000; i++) t.recordRoute(outcomes[i % 4]!);
  u = process.cpuUsage(before); const b = (u.user + u.system) / 200000;
  console.log('startRequest+end', a.toFixed(2), 'recordRoute', b.toFixed(2), 'µs CPU');
}
