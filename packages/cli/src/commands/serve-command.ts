/**
 * `semroute serve --config FILE [--http-port N] [--extproc-port N] [--api-port N]
 * [--metrics-port N] [--host H] [--no-watch]`: starts every listener (0 turns one off) and runs
 * until SIGINT/SIGTERM, then drains in-flight requests and exits.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { type CliIo, CliUsageError } from '../cli-io.js';
import { type RunningStack, type StackOptions, startStack } from '../stack/start-stack.js';
import type { CliCommand } from './command.js';

/** Flags shared by `serve` and `start`. */
export const LISTENER_FLAGS = {
  'http-port': { type: 'string' },
  'extproc-port': { type: 'string' },
  'api-port': { type: 'string' },
  'metrics-port': { type: 'string' },
  host: { type: 'string' },
  'no-watch': { type: 'boolean', default: false },
  'grace-ms': { type: 'string' },
} as const;

export function parsePort(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliUsageError(
      `--${flag} expects a port in [0, 65535] (0 turns the listener off), got "${value}"`,
    );
  return port;
}

export function listenerOptions(
  values: Record<string, string | boolean | undefined>,
): Omit<StackOptions, 'configPath' | 'io'> {
  const ports = {
    httpPort: parsePort(values['http-port'] as string | undefined, 'http-port'),
    extprocPort: parsePort(values['extproc-port'] as string | undefined, 'extproc-port'),
    apiPort: parsePort(values['api-port'] as string | undefined, 'api-port'),
    metricsPort: parsePort(values['metrics-port'] as string | undefined, 'metrics-port'),
  };
  return {
    ...Object.fromEntries(Object.entries(ports).filter(([, port]) => port !== undefined)),
    ...(typeof values.host === 'string' ? { host: values.host } : {}),
    watch: values['no-watch'] !== true,
  };
}

export function describeStack(stack: RunningStack): string {
  const rows: [string, string | undefined, string][] = [
    ['http proxy', stack.httpUrl, 'OpenAI-compatible: POST /v1/chat/completions, GET /v1/models'],
    ['ext_proc', stack.extprocAddress, 'Envoy External Processor (gRPC, with health service)'],
    ['api', stack.apiUrl, 'management and classification API (/health, /ready, /api/v1/...)'],
    [
      'metrics',
      stack.metricsUrl ? `${stack.metricsUrl.replace(/\/$/, '')}/metrics` : undefined,
      'Prometheus',
    ],
  ];
  return rows
    .map(([name, where, what]) =>
      `  ${name.padEnd(11)} ${(where ?? 'off').padEnd(30)} ${where ? what : ''}`.trimEnd(),
    )
    .join('\n');
}

/** Resolves on SIGINT or SIGTERM. */
export function waitForShutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const onSignal = (signal: string) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export async function runUntilSignal(stack: RunningStack, io: CliIo, graceMs: number): Promise<number> {
  const signal = await waitForShutdownSignal();
  io.stderr(`\n${signal}: draining in-flight requests (up to ${graceMs} ms)...\n`);
  await stack.close(graceMs);
  io.stderr('stopped\n');
  return 0;
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'start the HTTP proxy, ExtProc server, management API and metrics from a config',
  usage:
    'semroute serve --config <file> [--http-port 8801] [--extproc-port 50051] [--api-port 8080] [--metrics-port 9190] [--host H] [--no-watch] [--grace-ms 10000]',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { config: { type: 'string', short: 'c' }, ...LISTENER_FLAGS },
    });
    if (!values.config || positionals.length > 0)
      throw new CliUsageError(`--config is required\nusage: ${this.usage}`);
    const graceMs = parsePort(values['grace-ms'], 'grace-ms') ?? 10_000;
    const stack = await startStack({ configPath: values.config, io, ...listenerOptions(values) });
    io.stderr(`semroute serving ${values.config}\n${describeStack(stack)}\n`);
    return runUntilSignal(stack, io, graceMs);
  },
};
