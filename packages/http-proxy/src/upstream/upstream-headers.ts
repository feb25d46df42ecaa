/**
 * Builds the header set of one upstream attempt from the client's headers, the router's header
 * mutations and the target's static headers (auth, extra headers).
 *
 * @module
 */
import type { HeaderMutations } from '@semroute/core';
import type { BackendTarget } from './backend-targets.js';

/** Client headers never forwarded: hop-by-hop, recomputed, and trusted-auth/looper internals. */
const DROPPED = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'content-length',
  'accept-encoding',
  'expect',
  'http2-settings',
]);

function dropped(name: string): boolean {
  return (
    DROPPED.has(name) ||
    name.startsWith('x-authz-') ||
    name.startsWith('x-vsr-looper-') ||
    name.startsWith(':')
  );
}

export function buildUpstreamHeaders(
  clientHeaders: Readonly<Record<string, string | undefined>>,
  mutations: HeaderMutations,
  target: BackendTarget,
  selectedModelHeader: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in clientHeaders) {
    const value = clientHeaders[name];
    if (value === undefined || dropped(name)) continue;
    headers[name] = value;
  }
  for (const name of mutations.remove) delete headers[name];
  for (const name in mutations.set) headers[name] = mutations.set[name]!;
  if (target.hasAuth) delete headers.authorization;
  for (const name in target.headers) headers[name] = target.headers[name]!;
  if (selectedModelHeader !== undefined && headers['x-selected-model'] !== undefined)
    headers['x-selected-model'] = selectedModelHeader;
  headers['content-type'] = 'application/json';
  // Identity encoding keeps SSE readable for the cache write and the passthrough cheap.
  headers['accept-encoding'] = 'identity';
  return headers;
}

/** Upstream response headers not copied to the client. */
const RESPONSE_DROPPED = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
  'date',
  'server',
]);

export function copyResponseHeaders(
  upstream: Readonly<Record<string, string>>,
  into: Record<string, string>,
): void {
  for (const name in upstream) if (!RESPONSE_DROPPED.has(name)) into[name] = upstream[name]!;
}
