/**
 * `semroute sim --port 8000 --model base-model --lora math-expert --lora law-expert ...`: runs
 * the simulated OpenAI-compatible backend from @semroute/http-proxy until SIGINT/SIGTERM.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import type { ServeSimulatedBackendOptions } from '@semroute/http-proxy/node';
import { type CliIo, CliUsageError } from '../cli-io.js';
import type { CliCommand } from './command.js';

const USAGE =
  'semroute sim [--port 8000] [--host 127.0.0.1] [--model NAME ...] [--lora NAME[:PARENT] ...] [--tokens-per-second N] ' +
  '[--ttft-ms N] [--response-text TEXT] [--error-rate P] [--error-status CODE] [--retry-after S] [--latency-ms N] ' +
  '[--drop-mid-stream P] [--name NAME]';

function number(
  value: string | undefined,
  flag: string,
  range: { min?: number; max?: number } = {},
): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (
    !Number.isFinite(parsed) ||
    (range.min !== undefined && parsed < range.min) ||
    (range.max !== undefined && parsed > range.max)
  ) {
    throw new CliUsageError(
      `${flag} expects a number${range.max !== undefined ? ` in [${range.min ?? 0}, ${range.max}]` : ''}, got "${value}"`,
    );
  }
  return parsed;
}

/** Parses the flags into simulator options (exported for tests). */
export function parseSimArgs(argv: readonly string[]): ServeSimulatedBackendOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      model: { type: 'string', multiple: true },
      lora: { type: 'string', multiple: true },
      'tokens-per-second': { type: 'string' },
      'ttft-ms': { type: 'string' },
      'response-text': { type: 'string' },
      'error-rate': { type: 'string' },
      'error-status': { type: 'string' },
      'retry-after': { type: 'string' },
      'latency-ms': { type: 'string' },
      'drop-mid-stream': { type: 'string' },
      name: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const models = values.model && values.model.length > 0 ? values.model : ['base-model'];
  const loras = (values.lora ?? []).map((spec) => {
    const [name, parent] = spec.split(':');
    if (!name) throw new CliUsageError(`--lora expects NAME or NAME:PARENT, got "${spec}"`);
    return parent ? { name, parent } : { name, parent: models[0]! };
  });
  const options: Record<string, unknown> = {
    port: number(values.port, '--port', { min: 0, max: 65535 }) ?? 8000,
    models,
    loras,
  };
  if (values.host !== undefined) options.host = values.host;
  const optional: Array<[string, number | undefined]> = [
    ['tokensPerSecond', number(values['tokens-per-second'], '--tokens-per-second', { min: 0 })],
    ['ttftMs', number(values['ttft-ms'], '--ttft-ms', { min: 0 })],
    ['errorRate', number(values['error-rate'], '--error-rate', { min: 0, max: 1 })],
    ['errorStatus', number(values['error-status'], '--error-status', { min: 100, max: 599 })],
    ['retryAfterSeconds', number(values['retry-after'], '--retry-after', { min: 0 })],
    ['latencyMs', number(values['latency-ms'], '--latency-ms', { min: 0 })],
    ['dropMidStream', number(values['drop-mid-stream'], '--drop-mid-stream', { min: 0, max: 1 })],
  ];
  for (const [key, value] of optional) if (value !== undefined) options[key] = value;
  if (values['response-text'] !== undefined) options.responseText = values['response-text'];
  if (values.name !== undefined) options.name = values.name;
  return options as ServeSimulatedBackendOptions;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

/** Builds the command; tests inject `waitForShutdown`. */
export function createSimCommand(options: { waitForShutdown?: () => Promise<void> } = {}): CliCommand {
  const waitForShutdown = options.waitForShutdown ?? waitForSignal;
  return {
    name: 'sim',
    summary: 'run the simulated OpenAI-compatible backend (models, LoRA adapters, fault injection)',
    usage: USAGE,
    async run(argv: string[], io: CliIo): Promise<number> {
      const simOptions = parseSimArgs(argv);
      const { serveSimulatedBackend } = await import('@semroute/http-proxy/node');
      const sim = await serveSimulatedBackend(simOptions);
      io.stdout(`simulated backend listening on ${sim.url} serving ${sim.backend.modelIds.join(', ')}\n`);
      await waitForShutdown();
      await sim.close();
      return 0;
    },
  };
}

export const simCommand = createSimCommand();
