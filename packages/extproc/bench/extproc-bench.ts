/**
 * ext_proc benchmark: one load client (this process, one grpc-js channel like one Envoy
 * connection) drives a server process on loopback at 1, 16 and 128 concurrent streams for
 * (c) a no-op CONTINUE server, (a) keyword-only routing, (b) all default signals (learned ones
 * with the default ONNX models from ./models) and (b') the model-free signal families.
 * Each exchange is an Envoy BUFFERED chat request: request_headers, request_body (timed: from
 * sending the body to receiving its reply), response_headers, response_body. One JSON line per
 * scenario: name, concurrency, requests/s, p50 and p99 in ms.
 *
 * Usage: pnpm --filter @semroute/extproc bench [-- --seconds 4]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import type { ProcessingRequest, ProcessingResponse } from '../src/ext-proc-messages.js';
import { createExtProcClient } from '../test/fake-envoy/side-stream.js';

const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 4;
const concurrencies = [1, 16, 128];

const prompts = [
  'What is the derivative of x^3 + 2x? Explain the calculus step by step.',
  'My python function raises a stack trace when I compile the module, why?',
  'Write a short poem about the sea and the evening light.',
  'Compute the integral of sin(x) from 0 to pi and state the theorem used.',
];

const encoder = new TextEncoder();
const bodies = prompts.map((content) =>
  encoder.encode(JSON.stringify({ model: 'auto', messages: [{ role: 'user', content }], max_tokens: 64 })),
);
const responseBody = encoder.encode(
  JSON.stringify({
    id: 'c',
    object: 'chat.completion',
    created: 1,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 20, completion_tokens: 1, total_tokens: 21 },
  }),
);
const header = (key: string, value: string) => ({ key, raw_value: encoder.encode(value) });

interface BenchServer {
  readonly child: ChildProcess;
  readonly port: number;
  /** The server process's CPU time so far and its time inside route(), µs. */
  cpu(): Promise<{ cpuUs: number; routeUs: number }>;
}

function startServer(scenario: string): Promise<BenchServer> {
  // Root tsconfig `paths` map @semroute/* to sources, so no build is needed.
  const env = {
    ...process.env,
    TSX_TSCONFIG_PATH: new URL('../../../tsconfig.json', import.meta.url).pathname,
  };
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./bench-server.ts', import.meta.url).pathname, scenario],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env,
    },
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const waiting: ((usage: { cpuUs: number; routeUs: number }) => void)[] = [];
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { port?: number; cpuUs?: number; routeUs?: number };
      if (message.port !== undefined) {
        resolve({
          child,
          port: message.port,
          cpu: () =>
            new Promise<{ cpuUs: number; routeUs: number }>((done) => {
              waiting.push(done);
              child.stdin!.write('cpu\n');
            }),
        });
      } else if (message.cpuUs !== undefined)
        waiting.shift()?.({ cpuUs: message.cpuUs, routeUs: message.routeUs ?? 0 });
    });
    child.once('exit', (code) => reject(new Error(`server ${scenario} exited with ${code}`)));
  });
}

/** One exchange; resolves with the request-body round trip in ms. */
function exchange(client: ReturnType<typeof createExtProcClient>, index: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const call = client.Process();
    const body = bodies[index % bodies.length]!;
    let step = 0;
    let sentBodyAt = 0;
    let bodyLatency = 0;
    const send = (message: ProcessingRequest) => call.write(message);
    call.on('data', (reply: ProcessingResponse) => {
      step++;
      if (reply.response === 'immediate_response') {
        bodyLatency = performance.now() - sentBodyAt;
        call.end();
        return;
      }
      if (step === 1) {
        sentBodyAt = performance.now();
        send({ request_body: { body, end_of_stream: true } });
      } else if (step === 2) {
        bodyLatency = performance.now() - sentBodyAt;
        send({
          response_headers: {
            headers: { headers: [header(':status', '200'), header('content-type', 'application/json')] },
            end_of_stream: false,
          },
        });
      } else if (step === 3) {
        send({ response_body: { body: responseBody, end_of_stream: true } });
      } else if (step === 4) {
        call.end();
      }
    });
    call.on('status', (status: grpc.StatusObject) =>
      status.code === grpc.status.OK ? resolve(bodyLatency) : reject(new Error(status.details)),
    );
    call.on('error', () => {});
    send({
      request_headers: {
        headers: {
          headers: [
            header(':method', 'POST'),
            header(':path', '/v1/chat/completions'),
            header(':authority', 'gateway'),
            header('content-type', 'application/json'),
            header('content-length', String(body.length)),
          ],
        },
        end_of_stream: false,
      },
      protocol_config: {
        request_body_mode: 'BUFFERED',
        response_body_mode: 'BUFFERED',
        send_body_without_waiting_for_header_response: false,
      },
    });
  });
}

async function drive(
  port: number,
  concurrency: number,
  durationMs: number,
): Promise<{ latencies: number[]; elapsedMs: number; errors: number }> {
  const client = createExtProcClient(`127.0.0.1:${port}`);
  const latencies: number[] = [];
  let errors = 0;
  let counter = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        try {
          latencies.push(await exchange(client, counter++));
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - started;
  client.close();
  return { latencies, elapsedMs, errors };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function main(): Promise<void> {
  const scenarios = [
    { name: 'noop-continue', server: 'noop', label: '(c) no-op CONTINUE server' },
    { name: 'keyword', server: 'keyword', label: '(a) keyword-only routing' },
    {
      name: 'default-signals',
      server: 'default-signals',
      label:
        '(b) all default signals: keyword, context, structure, conversation + embedding, domain, jailbreak, PII (ONNX, CPU)',
    },
    {
      name: 'model-free-signals',
      server: 'all-signals',
      label: "(b') all model-free signals (keyword, context, structure, conversation)",
    },
  ];
  // All servers run side by side and the client alternates between them in short slices, so
  // load from other processes on this shared machine hits every scenario alike.
  const servers = await Promise.all(scenarios.map((scenario) => startServer(scenario.server)));
  try {
    for (const { port } of servers) await drive(port, 16, 1000); // warm-up: JIT, channel, router
    for (const concurrency of concurrencies) {
      const totals = scenarios.map(() => ({
        latencies: [] as number[],
        elapsedMs: 0,
        errors: 0,
        cpuUs: 0,
        routeUs: 0,
      }));
      for (let slice = 0; slice < seconds; slice++) {
        // Rotate the order every slice so no scenario always follows the same neighbour.
        for (let step = 0; step < servers.length; step++) {
          const index = (slice + step) % servers.length;
          const server = servers[index]!;
          const cpuBefore = await server.cpu();
          const result = await drive(server.port, concurrency, 1000);
          const total = totals[index]!;
          const cpuAfter = await server.cpu();
          total.cpuUs += cpuAfter.cpuUs - cpuBefore.cpuUs;
          total.routeUs += cpuAfter.routeUs - cpuBefore.routeUs;
          total.latencies.push(...result.latencies);
          total.elapsedMs += result.elapsedMs;
          total.errors += result.errors;
        }
      }
      for (const [index, scenario] of scenarios.entries()) {
        const { latencies, elapsedMs, errors, cpuUs, routeUs } = totals[index]!;
        latencies.sort((left, right) => left - right);
        process.stdout.write(
          `${JSON.stringify({
            name: `extproc/${scenario.name}/c${concurrency}`,
            scenario: scenario.label,
            concurrency,
            requests: latencies.length,
            errors,
            throughput: Math.round((latencies.length / elapsedMs) * 1000),
            p50: Number(percentile(latencies, 50).toFixed(3)),
            p99: Number(percentile(latencies, 99).toFixed(3)),
            unit: 'ms (request_body sent → reply received)',
            // Server CPU per exchange: the load-independent cost; 1e6 / it is the server's ceiling on one core.
            serverCpuUsPerRequest: Math.round(cpuUs / Math.max(1, latencies.length)),
            // Wall time inside router.route() per request (includes waiting for the CPU under load).
            routeUsPerRequest: Math.round(routeUs / Math.max(1, latencies.length)),
          })}\n`,
        );
      }
    }
  } finally {
    for (const { child } of servers) child.kill();
  }
}

void main();
