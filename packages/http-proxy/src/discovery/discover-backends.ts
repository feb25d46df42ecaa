/**
 * Backend discovery: asks every configured backend for `GET /v1/models` and reports each model
 * or LoRA adapter the config routes to that the backend does not list, the most common
 * misconfiguration (the backend then answers "model not found"). `semroute serve` logs the
 * report as warnings at startup; `semroute validate --check-backends` exits non-zero on it.
 *
 * @module
 */
import type { RouterConfig } from '@semroute/core';
import { type BackendTarget, resolveBackendTargets } from '../upstream/backend-targets.js';

export interface DiscoverBackendsOptions {
  readonly config: RouterConfig;
  /** Environment for `api_key_env`. Default: `process.env` where it exists. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof fetch;
  /** Per-backend timeout, ms. Default 3,000. */
  readonly timeoutMs?: number;
}

/** A name the config writes into the upstream body for one logical model. */
export interface RoutedName {
  /** Body `model` value (provider model id or LoRA adapter name). */
  readonly name: string;
  readonly kind: 'model' | 'adapter';
  /** Logical model (providers.models[].name). */
  readonly model: string;
  /** Decisions that route to it (`recipe/decision` for named recipes). */
  readonly decisions: readonly string[];
}

export interface DiscoveredBackend {
  /** Target id (`<model>/<backend>`). */
  readonly target: string;
  readonly backend: string;
  readonly model: string;
  /** The `/v1/models` URL queried. */
  readonly url: string;
  readonly reachable: boolean;
  /** Ids the backend lists. */
  readonly served: readonly string[];
  readonly error?: string;
}

export interface MissingModel extends RoutedName {
  readonly backend: string;
  readonly url: string;
}

export interface BackendDiscoveryResult {
  readonly backends: readonly DiscoveredBackend[];
  /** Routed names a reachable backend does not list. */
  readonly missing: readonly MissingModel[];
  /** True when every backend answered and nothing is missing. */
  readonly ok: boolean;
}

/** Every body model name the config can send to each logical model. */
export function routedNames(config: RouterConfig): Map<string, RoutedName[]> {
  const byModel = new Map<string, Map<string, { kind: 'model' | 'adapter'; decisions: string[] }>>();
  const add = (model: string, name: string, kind: 'model' | 'adapter', decision?: string) => {
    let names = byModel.get(model);
    if (!names) {
      names = new Map();
      byModel.set(model, names);
    }
    const entry = names.get(name) ?? { kind, decisions: [] };
    if (decision && !entry.decisions.includes(decision)) entry.decisions.push(decision);
    names.set(name, entry);
  };
  const providerId = new Map(
    config.providers.models.map((model) => [model.name, model.provider_model_id ?? model.name]),
  );
  for (const model of config.providers.models) add(model.name, providerId.get(model.name)!, 'model');
  const routings = [
    { prefix: '', routing: config.routing },
    ...config.recipes.map((recipe) => ({ prefix: `${recipe.name}/`, routing: recipe.routing })),
  ];
  for (const { prefix, routing } of routings) {
    for (const decision of routing.decisions) {
      for (const ref of decision.modelRefs) {
        if (!providerId.has(ref.model)) continue;
        if (ref.lora_name) add(ref.model, ref.lora_name, 'adapter', `${prefix}${decision.name}`);
        else add(ref.model, providerId.get(ref.model)!, 'model', `${prefix}${decision.name}`);
      }
    }
  }
  const result = new Map<string, RoutedName[]>();
  for (const [model, names] of byModel) {
    result.set(
      model,
      [...names.entries()].map(([name, entry]) => ({
        name,
        kind: entry.kind,
        model,
        decisions: entry.decisions,
      })),
    );
  }
  return result;
}

async function listServed(
  target: BackendTarget,
  fetchImpl: typeof fetch,
  timeoutMs: number,
): Promise<{ served: string[] } | { error: string }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetchImpl(target.modelsUrl, {
      headers: { accept: 'application/json', ...target.headers },
      signal: controller.signal,
    });
    if (!response.ok) return { error: `GET ${target.modelsUrl} answered ${response.status}` };
    const body = (await response.json()) as { data?: Array<{ id?: unknown }> };
    const served = (Array.isArray(body.data) ? body.data : [])
      .map((entry) => entry.id)
      .filter((id): id is string => typeof id === 'string');
    return { served };
  } catch (error) {
    if (controller.signal.aborted)
      return { error: `GET ${target.modelsUrl} timed out after ${timeoutMs} ms` };
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return {
      error: `GET ${target.modelsUrl} failed${error instanceof Error ? `: ${error.message}` : ''}${cause}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Queries every backend (each `/v1/models` URL once) and compares with what the config routes. */
export async function discoverBackends(options: DiscoverBackendsOptions): Promise<BackendDiscoveryResult> {
  const env =
    options.env ??
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ??
    {};
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const targets = resolveBackendTargets(options.config, env);
  const names = routedNames(options.config);
  const queries = new Map<string, Promise<{ served: string[] } | { error: string }>>();
  const backends: DiscoveredBackend[] = [];
  const missing: MissingModel[] = [];
  const all = [...targets.values()].flat();
  const answers = await Promise.all(
    all.map((target) => {
      let query = queries.get(target.modelsUrl);
      if (!query) {
        query = listServed(target, fetchImpl, timeoutMs);
        queries.set(target.modelsUrl, query);
      }
      return query;
    }),
  );
  all.forEach((target, index) => {
    const answer = answers[index]!;
    if ('error' in answer) {
      backends.push({
        target: target.id,
        backend: target.name,
        model: target.model,
        url: target.modelsUrl,
        reachable: false,
        served: [],
        error: answer.error,
      });
      return;
    }
    backends.push({
      target: target.id,
      backend: target.name,
      model: target.model,
      url: target.modelsUrl,
      reachable: true,
      served: answer.served,
    });
    const served = new Set(answer.served);
    for (const routed of names.get(target.model) ?? []) {
      if (!served.has(routed.name)) missing.push({ ...routed, backend: target.name, url: target.modelsUrl });
    }
  });
  return { backends, missing, ok: missing.length === 0 && backends.every((backend) => backend.reachable) };
}

/** Human-readable lines for a discovery result (one per problem), for logs and the CLI. */
export function formatBackendDiscovery(result: BackendDiscoveryResult): string[] {
  const lines: string[] = [];
  for (const backend of result.backends) {
    if (!backend.reachable)
      lines.push(`backend ${backend.backend} (model ${backend.model}) is unreachable: ${backend.error}`);
  }
  for (const entry of result.missing) {
    const via = entry.decisions.length > 0 ? ` (routed by ${entry.decisions.join(', ')})` : '';
    lines.push(
      `backend ${entry.backend} does not serve ${entry.kind} "${entry.name}" of model ${entry.model}${via}; it lists: ${result.backends.find((backend) => backend.url === entry.url)?.served.join(', ') || 'nothing'}`,
    );
  }
  return lines;
}
