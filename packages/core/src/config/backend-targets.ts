/**
 * Resolves `providers.models[].backend_refs` into concrete upstream targets: the chat URL, the
 * static headers (auth from `api_key` / `api_key_env` with `auth_header` / `auth_prefix`,
 * `extra_headers`) and the weight. Pure apart from reading the injected environment.
 *
 * @module
 */
import type { BackendRefConfig, RouterConfig } from './router-config-schema.js';

/** One upstream endpoint of one logical model. */
export interface BackendTarget {
  /** Unique id: `<model>/<backend name or index>`; health is tracked per id. */
  readonly id: string;
  /** Backend name for errors, logs and metrics (`name`, else the endpoint). */
  readonly name: string;
  /** Logical model (providers.models[].name). */
  readonly model: string;
  /** Absolute chat-completions URL. */
  readonly url: string;
  /** `scheme://host[:port]`; connection pools are keyed by it. */
  readonly origin: string;
  /** Base URL used for `/v1/models` discovery (ends without a slash). */
  readonly modelsUrl: string;
  /** Load-balancing weight (>= 0; 0 = only when the others are out). */
  readonly weight: number;
  /** Static headers sent on every request (auth, extra headers), lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Whether `headers` carries an auth header (the client's own `authorization` is then replaced). */
  readonly hasAuth: boolean;
}

function trimSlash(value: string): string {
  return value.endsWith('/') ? value.slice(0, -1) : value;
}

function withLeadingSlash(value: string): string {
  return value.startsWith('/') ? value : `/${value}`;
}

/** Builds the target of one backend_ref. */
export function resolveBackendTarget(
  model: string,
  ref: BackendRefConfig,
  index: number,
  env: Readonly<Record<string, string | undefined>>,
): BackendTarget {
  let base: string;
  let chatPath: string;
  let modelsUrl: string;
  if (ref.base_url !== undefined) {
    // OpenAI-style base URL (`https://api.openai.com/v1`): paths are relative to it.
    base = trimSlash(ref.base_url);
    chatPath = ref.chat_path !== undefined ? withLeadingSlash(ref.chat_path) : '/chat/completions';
    modelsUrl = `${base}/models`;
  } else {
    const endpoint = ref.endpoint ?? '';
    base = trimSlash(/^https?:\/\//.test(endpoint) ? endpoint : `${ref.protocol}://${endpoint}`);
    chatPath = ref.chat_path !== undefined ? withLeadingSlash(ref.chat_path) : '/v1/chat/completions';
    modelsUrl = `${base}/v1/models`;
  }
  let url = `${base}${chatPath}`;
  if (ref.api_version !== undefined)
    url += `${url.includes('?') ? '&' : '?'}api-version=${encodeURIComponent(ref.api_version)}`;
  const parsed = new URL(url);

  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(ref.extra_headers ?? {})) headers[key.toLowerCase()] = value;
  const apiKey = ref.api_key ?? (ref.api_key_env !== undefined ? env[ref.api_key_env] : undefined);
  let hasAuth = false;
  if (apiKey) {
    const header = (ref.auth_header ?? 'authorization').toLowerCase();
    const prefix = ref.auth_prefix ?? (header === 'authorization' ? 'Bearer' : '');
    headers[header] = prefix ? `${prefix.trimEnd()} ${apiKey}` : apiKey;
    hasAuth = header === 'authorization';
  }
  const name = ref.name ?? ref.endpoint ?? parsed.host;
  return {
    id: `${model}/${ref.name ?? index}`,
    name,
    model,
    url,
    origin: parsed.origin,
    modelsUrl,
    weight: ref.weight,
    headers,
    hasAuth,
  };
}

/** Targets of every provider model, keyed by logical model name, in config order. */
export function resolveBackendTargets(
  config: RouterConfig,
  env: Readonly<Record<string, string | undefined>> = {},
): ReadonlyMap<string, readonly BackendTarget[]> {
  const targets = new Map<string, BackendTarget[]>();
  for (const model of config.providers.models) {
    targets.set(
      model.name,
      model.backend_refs.map((ref, index) => resolveBackendTarget(model.name, ref, index, env)),
    );
  }
  return targets;
}

/**
 * Orders targets for one request: weighted random order without replacement (a weight-0
 * target goes last). `random` returns [0, 1).
 */
export function orderTargetsByWeight<T extends { readonly weight: number }>(
  targets: readonly T[],
  random: () => number,
): T[] {
  if (targets.length <= 1) return [...targets];
  const pool = [...targets];
  const ordered: T[] = [];
  while (pool.length > 0) {
    const total = pool.reduce((sum, target) => sum + target.weight, 0);
    let index = 0;
    if (total > 0) {
      let pick = random() * total;
      index = pool.findIndex((target) => {
        pick -= target.weight;
        return pick < 0;
      });
      if (index < 0) index = pool.findIndex((target) => target.weight > 0);
    }
    ordered.push(pool[index]!);
    pool.splice(index, 1);
  }
  return ordered;
}
