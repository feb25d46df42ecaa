/**
 * `semroute validate <config.yaml>`: exit 0 and a one-line summary when valid; exit 1 with every
 * error (`path (line, col): message`) on stderr otherwise.
 *
 * @module
 */

import { parseArgs } from 'node:util';
import { ConfigError, formatConfigIssue, SIGNAL_CONTAINERS, type SignalsConfig } from '@semroute/core';
import { type CliIo, CliUsageError } from '../cli-io.js';
import { loadConfigFile } from '../load-config.js';
import type { CliCommand } from './command.js';

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check a v0.3 config file and report every problem with its YAML path',
  usage: 'semroute validate <config.yaml> [--check-backends]',
  async run(argv: string[], io: CliIo): Promise<number> {
    const { positionals, values } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { 'check-backends': { type: 'boolean', default: false } },
    });
    const [file] = positionals;
    if (!file || positionals.length > 1) throw new CliUsageError(`usage: ${this.usage}`);
    try {
      const { config, warnings } = await loadConfigFile(file, io);
      const routing = [config.routing, ...config.recipes.map((recipe) => recipe.routing)];
      const signals = routing.reduce(
        (sum, block) =>
          sum +
          (Object.keys(SIGNAL_CONTAINERS) as (keyof SignalsConfig)[]).reduce(
            (count, key) => count + block.signals[key].length,
            0,
          ),
        0,
      );
      const decisions = routing.reduce((sum, block) => sum + block.decisions.length, 0);
      const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
      io.stdout(
        `${file}: valid v0.3 config (${plural(decisions, 'decision')}, ${plural(signals, 'signal')}, ${plural(config.providers.models.length, 'model')}, ${plural(config.recipes.length, 'recipe')}${warnings.length ? `, ${plural(warnings.length, 'warning')}` : ''})\n`,
      );
      if (values['check-backends']) {
        // Ask every backend for /v1/models: a routed model or LoRA adapter the backend does not
        // serve is the most common misconfiguration (vLLM answers "model not found").
        const { discoverBackends, formatBackendDiscovery } = await import('@semroute/http-proxy');
        const result = await discoverBackends({ config, env: io.env });
        for (const line of formatBackendDiscovery(result)) (result.ok ? io.stdout : io.stderr)(`${line}\n`);
        if (!result.ok) return 1;
      }
      return 0;
    } catch (error) {
      if (ConfigError.isInstance(error)) {
        for (const issue of error.issues) io.stderr(`error: ${formatConfigIssue(issue)}\n`);
        io.stderr(`${file}: invalid (${error.issues.length} error${error.issues.length === 1 ? '' : 's'})\n`);
        return 1;
      }
      throw error;
    }
  },
};
