/**
 * Telemetry overhead: routing throughput with metrics and tracing on vs off.
 *
 * Two levels, quickstart config (4 keyword signals + 1 context signal, plugins):
 *   - in-process `route()` loop (the router alone: the harshest ratio);
 *   - an HTTP host on node:http that parses the request, routes it and answers the routed body
 *     (what a proxy does before going upstream), loaded by 32 keep-alive connections from a
 *     worker thread (`load-generator.mjs`), so the host thread is the bottleneck being measured.
 * Variants: off; metrics; metrics + tracing at always_on (caller sends a sampled traceparent);
 * metrics + tracing with a parent-based 10 % ratio sampler and no incoming trace. Tracing uses
 * the SDK's BatchSpanProcessor with an exporter that drops spans.
 *
 * Rounds alternate the variant order so machine noise hits each alike; figures are the median
 * round. One JSON line per scenario: name, p50 (µs), p99 (µs), throughput (req/s), and
 * overheadPercent (throughput cost vs off at the same level).
 *
 * Env: BENCH_ROUNDS (default 7), BENCH_ROUND_MS (default 1000).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1000);
const PROMPTS = [
  'Compute the derivative of x^3 step by step',
  'Does the defendant owe damages under the contract?',
  'Write a haiku about the sea',
  'Prove the theorem about prime numbers, show your work',
];
const SAMPLED = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<void> {
  const { createRouter, parseRouterConfig } = await import('@semroute/core');
  const { createRouterTelemetry, createTracing } = await import('../src/index.js');
  type Telemetry = ReturnType<typeof createRouterTelemetry>;
  type Router = Awaited<ReturnType<typeof createRouter>>;

  const configPath = fileURLToPath(new URL('../../../examples/quickstart/keywords.yaml', import.meta.url));
  const config = parseRouterConfig(readFileSync(configPath, 'utf8')).config;
  const router: Router = await createRouter({ config });
  const dropExporter = {
    export: (_spans: unknown[], done: (result: { code: number }) => void) => done({ code: 0 }),
    shutdown: async () => {},
  };
  const alwaysOn = await createTracing({ exporter: dropExporter, processor: 'batch' });
  const sampled = await createTracing({
    exporter: dropExporter,
    processor: 'batch',
    sampling: { type: 'probabilistic', rate: 0.1 },
  });

  interface Variant {
    readonly name: string;
    readonly telemetry: Telemetry | undefined;
    /** Whether the caller sends a sampled traceparent. */
    readonly traced: boolean;
  }
  const variants: Variant[] = [
    { name: 'telemetry off', telemetry: undefined, traced: true },
    { name: 'metrics', telemetry: createRouterTelemetry({ config: () => config }), traced: true },
    {
      name: 'metrics + tracing always_on (9 spans/request)',
      telemetry: createRouterTelemetry({ config: () => config, tracer: alwaysOn.tracer! }),
      traced: true,
    },
    {
      name: 'metrics + tracing 10% sampled',
      telemetry: createRouterTelemetry({ config: () => config, tracer: sampled.tracer! }),
      traced: false,
    },
  ];

  async function handle(body: unknown, headers: Record<string, string>, variant: Variant) {
    const telemetry = variant.telemetry;
    const request = telemetry?.startRequest({ headers });
    const outcome = await router.route({ body, headers });
    if (telemetry) {
      telemetry.recordRoute(outcome, request ? { request } : {});
      request?.end({ status: 200 });
    }
    return outcome;
  }

  function report(name: string, latencies: number[], throughputs: number[], baseline?: number): number {
    const sorted = [...latencies].sort((a, b) => a - b);
    const throughput = median(throughputs);
    console.log(
      JSON.stringify({
        name,
        p50: Number(percentile(sorted, 50).toFixed(1)),
        p99: Number(percentile(sorted, 99).toFixed(1)),
        throughput: Math.round(throughput),
        ...(baseline !== undefined
          ? { overheadPercent: Number((((baseline - throughput) / baseline) * 100).toFixed(2)) }
          : {}),
      }),
    );
    return throughput;
  }

  async function runLevel(
    level: string,
    round: (variant: Variant) => Promise<{ throughput: number; latencies: number[] }>,
  ): Promise<void> {
    for (const variant of variants) await round(variant); // warm-up
    const results = new Map(
      variants.map((variant) => [variant.name, { latencies: [] as number[], throughputs: [] as number[] }]),
    );
    for (let index = 0; index < ROUNDS; index++)
      for (const variant of index % 2 ? [...variants].reverse() : variants) {
        const result = await round(variant);
        const slot = results.get(variant.name)!;
        slot.throughputs.push(result.throughput);
        slot.latencies.push(...result.latencies);
      }
    let baseline: number | undefined;
    for (const variant of variants) {
      const slot = results.get(variant.name)!;
      const throughput = report(`${level}, ${variant.name}`, slot.latencies, slot.throughputs, baseline);
      baseline ??= throughput;
    }
  }

  await runLevel('route() in-process', async (variant) => {
    const headers: Record<string, string> = variant.traced ? { traceparent: SAMPLED } : {};
    const latencies: number[] = [];
    const started = performance.now();
    let count = 0;
    while (performance.now() - started < ROUND_MS) {
      const t0 = performance.now();
      await handle(
        { model: 'auto', messages: [{ role: 'user', content: PROMPTS[count % PROMPTS.length] }] },
        headers,
        variant,
      );
      latencies.push((performance.now() - t0) * 1000);
      count++;
    }
    return { throughput: count / ((performance.now() - started) / 1000), latencies };
  });

  let current = variants[0]!;
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers))
        if (typeof value === 'string') headers[name] = value;
      handle(Buffer.concat(chunks), headers, current).then((outcome) => {
        outgoing.writeHead(200, { 'content-type': 'application/json' });
        outgoing.end(outcome.type === 'upstream' ? outcome.bodyText : outcome.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const worker = new Worker(new URL('./load-generator.mjs', import.meta.url), {
    workerData: { port: (server.address() as AddressInfo).port, prompts: PROMPTS, traceparent: SAMPLED },
  });
  await runLevel('HTTP host (parse, route, answer)', (variant) => {
    current = variant;
    return new Promise((resolve) => {
      worker.once('message', resolve);
      worker.postMessage({ ms: ROUND_MS, traced: variant.traced });
    });
  });
  await worker.terminate();
  server.close();
  await alwaysOn.shutdown();
  await sampled.shutdown();
  await router.close();
}

await main();
