/**
 * `semroute route --config <file> [--json] [--header k=v ...] [--model name] <prompt | ->`:
 * routes one request and prints the outcome. A prompt becomes `{"model": "auto", "messages":
 * [{"role": "user", "content": prompt}]}`; `-` reads a full chat-completions body from stdin.
 * Exit code 0 when the outcome is upstream or a 2xx immediate answer, 1 otherwise.
 *
 * @module
 */

import { parseArgs } from 'node:util';
import { ConfigError, createRouter, formatConfigIssue, type RouteOutcome } from '@semroute/core';
import { type CliIo, CliUsageError } from '../cli-io.js';
import { loadConfigFile } from '../load-config.js';
import { loadSignalProviders } from '../signal-providers.js';
import type { CliCommand } from './command.js';

function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const separator = value.indexOf('=');
    if (separator <= 0) throw new CliUsageError(`--header expects name=value, got "${value}"`);
    headers[value.slice(0, separator).trim().toLowerCase()] = value.slice(separator + 1);
  }
  return headers;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The `--json` shape: stable keys for scripts. */
export function outcomeToJson(outcome: RouteOutcome): Record<string, unknown> {
  const explanation = outcome.explanation;
  return {
    decision: explanation.decision,
    model: outcome.type === 'upstream' ? outcome.body.model : explanation.model,
    selectedModel: explanation.selectedModel,
    confidence: explanation.confidence,
    recipe: explanation.recipe,
    signals: explanation.signals
      .filter((signal) => signal.status === 'matched')
      .map((signal) => ({
        type: signal.type,
        name: signal.name,
        confidence: signal.confidence,
        ...(signal.labels ? { labels: signal.labels } : {}),
        ...(signal.evidence ? { evidence: signal.evidence } : {}),
      })),
    evaluatedSignals: explanation.signals,
    matchedDecisions: explanation.matchedDecisions,
    plugins: explanation.plugins,
    response: outcome.type === 'upstream' ? 'upstream' : 'immediate',
    reason: outcome.type === 'immediate' ? outcome.reason : null,
    status: outcome.type === 'upstream' ? 200 : outcome.status,
    headers:
      outcome.type === 'upstream'
        ? { request: outcome.requestHeaders, response: outcome.responseHeaders }
        : outcome.headers,
    body: outcome.type === 'upstream' ? outcome.body : parseBody(outcome.body),
    latencyMs: Number(explanation.latencyMs.toFixed(3)),
  };
}

function describe(outcome: RouteOutcome): string {
  const explanation = outcome.explanation;
  const lines: string[] = [];
  if (outcome.type === 'immediate' && outcome.reason === 'error') {
    const parsed = parseBody(outcome.body) as { error?: { message?: string } };
    lines.push(`error ${outcome.status}: ${parsed.error?.message ?? outcome.body}`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `decision:   ${explanation.decision ?? (explanation.passthrough ? '(passthrough)' : explanation.usedDefaultModel ? '(none: default model)' : '(none)')}${explanation.decision ? ` (confidence ${explanation.confidence.toFixed(3)}, recipe ${explanation.recipe})` : ''}`,
  );
  if (outcome.type === 'upstream')
    lines.push(
      `model:      ${outcome.body.model}${outcome.selectedModel !== outcome.body.model ? ` (on ${outcome.selectedModel})` : ''}`,
    );
  const matched = explanation.signals.filter((signal) => signal.status === 'matched');
  lines.push(
    `signals:    ${matched.length ? matched.map((signal) => `${signal.type}/${signal.name}=${signal.confidence.toFixed(3)}${signal.evidence?.length ? ` [${signal.evidence.slice(0, 5).join(', ')}]` : ''}`).join('; ') : '(none matched)'}`,
  );
  const failed = explanation.signals.filter(
    (signal) => signal.status === 'error' || signal.status === 'timeout',
  );
  if (failed.length)
    lines.push(
      `failed:     ${failed.map((signal) => `${signal.type}/${signal.name}: ${signal.error}`).join('; ')}`,
    );
  if (explanation.plugins.length) lines.push(`plugins:    ${explanation.plugins.join(', ')}`);
  lines.push(
    `response:   ${outcome.type === 'upstream' ? 'upstream' : `immediate ${outcome.status} (${outcome.reason})`}`,
  );
  if (outcome.type === 'immediate')
    lines.push(`body:       ${outcome.body.length > 400 ? `${outcome.body.slice(0, 400)}…` : outcome.body}`);
  lines.push(`latency:    ${explanation.latencyMs.toFixed(3)} ms`);
  return `${lines.join('\n')}\n`;
}

export const routeCommand: CliCommand = {
  name: 'route',
  summary: 'route one request (a prompt, or a chat-completions body on stdin) and print the outcome',
  usage: 'semroute route --config <config.yaml> [--json] [--header k=v ...] [--model name] <prompt | ->',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        json: { type: 'boolean', default: false },
        header: { type: 'string', short: 'H', multiple: true, default: [] },
        model: { type: 'string', default: 'auto' },
      },
    });
    if (!values.config) throw new CliUsageError(`--config is required\nusage: ${this.usage}`);
    if (positionals.length === 0)
      throw new CliUsageError(`give a prompt, or - to read a request body from stdin\nusage: ${this.usage}`);
    const headers = parseHeaders(values.header ?? []);
    const body: unknown =
      positionals.length === 1 && positionals[0] === '-'
        ? await io.readStdin()
        : { model: values.model, messages: [{ role: 'user', content: positionals.join(' ') }] };

    let parsed: Awaited<ReturnType<typeof loadConfigFile>>;
    try {
      parsed = await loadConfigFile(values.config, io, { quietWarnings: values.json === true });
    } catch (error) {
      if (ConfigError.isInstance(error)) {
        for (const issue of error.issues) io.stderr(`error: ${formatConfigIssue(issue)}\n`);
        return 1;
      }
      throw error;
    }
    const signalProviders = await loadSignalProviders(parsed.config, io);
    let router: Awaited<ReturnType<typeof createRouter>>;
    try {
      router = await createRouter({ config: parsed.config, signalProviders });
    } catch (error) {
      if (ConfigError.isInstance(error)) {
        for (const issue of error.issues) io.stderr(`error: ${formatConfigIssue(issue)}\n`);
        return 1;
      }
      throw error;
    }
    try {
      const outcome = await router.route({ body, headers });
      io.stdout(values.json ? `${JSON.stringify(outcomeToJson(outcome), null, 2)}\n` : describe(outcome));
      return outcome.type === 'immediate' && outcome.status >= 400 ? 1 : 0;
    } finally {
      await router.close();
    }
  },
};
