/**
 * Loading and inspecting the deployment artifacts (chart, Dockerfile, gateway examples) for the
 * tests in this folder: multi-document YAML parsing, a walker over parsed documents, the model
 * names a semroute config can route to, and the rendered chart's Service.
 *
 * @module
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRouterConfig, type RouterConfig } from '@semroute/core';
import { parseAllDocuments } from 'yaml';
import { type RenderedChart, renderChart } from './render-helm-chart.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = join(REPO_ROOT, 'deploy/helm/semroute');
export const GATEWAYS_DIR = join(REPO_ROOT, 'examples/gateways');

/** Release and namespace the Kubernetes examples install the chart as. */
export const EXAMPLE_RELEASE = 'semroute';
export const EXAMPLE_NAMESPACES: Readonly<Record<string, string>> = { 'vllm-production-stack': 'default' };
export const DEFAULT_EXAMPLE_NAMESPACE = 'semroute';

export type ManifestKind =
  | 'kubernetes'
  | 'semroute-values'
  | 'third-party-values'
  | 'envoy-bootstrap'
  | 'semroute-config'
  | 'compose';

export interface ManifestFile {
  /** Path relative to the repository root. */
  readonly path: string;
  /** Example folder name (`envoy`, `istio`, …). */
  readonly example: string;
  readonly kind: ManifestKind;
  readonly documents: readonly Record<string, unknown>[];
}

/** Parses a (multi-document) YAML text; throws on any syntax error, naming the file. */
export function parseYamlDocuments(text: string, source: string): Record<string, unknown>[] {
  const documents = parseAllDocuments(text);
  const list = Array.isArray(documents) ? documents : [documents];
  const result: Record<string, unknown>[] = [];
  for (const document of list) {
    if (document.errors.length > 0) throw new Error(`${source}: ${document.errors[0]?.message}`);
    const value = document.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new Error(`${source}: a document is not a mapping`);
    result.push(value as Record<string, unknown>);
  }
  return result;
}

function classify(fileName: string): ManifestKind {
  if (fileName === 'semroute-values.yaml') return 'semroute-values';
  if (fileName.endsWith('-values.yaml')) return 'third-party-values';
  if (fileName === 'envoy.yaml') return 'envoy-bootstrap';
  if (fileName === 'semroute.yaml') return 'semroute-config';
  if (fileName === 'docker-compose.yaml') return 'compose';
  return 'kubernetes';
}

/** Every YAML file under examples/gateways, parsed. */
export function loadGatewayManifests(): ManifestFile[] {
  const files: ManifestFile[] = [];
  for (const example of readdirSync(GATEWAYS_DIR).sort()) {
    const folder = join(GATEWAYS_DIR, example);
    if (!statSync(folder).isDirectory()) continue;
    for (const name of readdirSync(folder).sort()) {
      if (!/\.ya?ml$/.test(name)) continue;
      const path = join(folder, name);
      files.push({
        path: relative(REPO_ROOT, path),
        example,
        kind: classify(name),
        documents: parseYamlDocuments(readFileSync(path, 'utf8'), path),
      });
    }
  }
  return files;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Calls `visit` for every node of a parsed document, depth first, with its key path. */
export function walk(
  value: unknown,
  visit: (node: unknown, path: readonly (string | number)[]) => void,
  path: (string | number)[] = [],
): void {
  visit(value, path);
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) walk(item, visit, [...path, index]);
  } else if (isRecord(value))
    for (const [key, item] of Object.entries(value)) walk(item, visit, [...path, key]);
}

/** Reads a dotted path (`spec.traffic.extProc`) from a parsed document. */
export function get(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return current;
}

export const EXT_PROC_TYPE =
  'type.googleapis.com/envoy.extensions.filters.http.ext_proc.v3.ExternalProcessor';

/** Every Envoy ext_proc filter config (`typed_config` of type ExternalProcessor) in a document. */
export function findExtProcFilters(
  document: unknown,
): { config: Record<string, unknown>; path: readonly (string | number)[] }[] {
  const found: { config: Record<string, unknown>; path: readonly (string | number)[] }[] = [];
  walk(document, (node, path) => {
    if (isRecord(node) && node['@type'] === EXT_PROC_TYPE) found.push({ config: node, path });
  });
  return found;
}

/** Header matches in route rules: Envoy `match.headers` and Gateway API / AIGatewayRoute `matches[].headers`. */
export function findHeaderMatches(document: unknown): { name: string; value: string }[] {
  const found: { name: string; value: string }[] = [];
  walk(document, (node, path) => {
    if (path[path.length - 1] !== 'headers' || !Array.isArray(node)) return;
    for (const entry of node) {
      if (!isRecord(entry) || typeof entry.name !== 'string') continue;
      const exact = get(entry, 'string_match.exact') ?? entry.value ?? entry.exact_match;
      if (typeof exact === 'string') found.push({ name: entry.name, value: exact });
    }
  });
  return found;
}

/** The models one decision can send a request to, as header value and as body `model`. */
export interface RoutableModel {
  /** `x-selected-model` value: the LoRA adapter or the logical model name. */
  readonly headerValue: string;
  /** Body `model` after the rewrite: the LoRA adapter or the provider model id. */
  readonly bodyModel: string;
}

/** Every model a config can route to: each decision's modelRefs plus the default model. */
export function routableModels(config: RouterConfig): RoutableModel[] {
  const providerIds = new Map(
    config.providers.models.map((model) => [model.name, model.provider_model_id ?? model.name]),
  );
  const result = new Map<string, RoutableModel>();
  const add = (model: string, loraName: string | undefined) => {
    const entry = { headerValue: loraName ?? model, bodyModel: loraName ?? providerIds.get(model) ?? model };
    result.set(`${entry.headerValue}\u0000${entry.bodyModel}`, entry);
  };
  const routings = [config.routing, ...config.recipes.map((recipe) => recipe.routing)];
  for (const routing of routings)
    for (const decision of routing.decisions)
      for (const reference of decision.modelRefs ?? []) add(reference.model, reference.lora_name);
  const defaultModel = config.providers.defaults.default_model;
  if (defaultModel) add(defaultModel, undefined);
  return [...result.values()];
}

/** Renders the chart with an example's values file merged over the defaults. */
export function renderChartWith(
  values: Record<string, unknown>,
  namespace = DEFAULT_EXAMPLE_NAMESPACE,
): RenderedChart {
  return renderChart({ chartDir: CHART_DIR, values, releaseName: EXAMPLE_RELEASE, namespace });
}

/** All Kubernetes objects a render produced (NOTES.txt excluded). */
export function renderedObjects(rendered: RenderedChart): Record<string, unknown>[] {
  const objects: Record<string, unknown>[] = [];
  for (const [file, text] of rendered.files) {
    if (!file.endsWith('.yaml')) continue;
    objects.push(...parseYamlDocuments(text, file));
  }
  return objects;
}

export function objectOfKind(
  objects: readonly Record<string, unknown>[],
  kind: string,
): Record<string, unknown> | undefined {
  return objects.find((object) => object.kind === kind);
}

/** The ConfigMap's config.yaml, validated with core's parser (env substitution with defaults). */
export function renderedRouterConfig(objects: readonly Record<string, unknown>[]): RouterConfig {
  const configMap = objectOfKind(objects, 'ConfigMap');
  const data = get(configMap, 'data');
  const document = isRecord(data) ? data['config.yaml'] : undefined;
  if (typeof document !== 'string') throw new Error('the chart rendered no config.yaml');
  return parseRouterConfig(document, { source: 'ConfigMap config.yaml', env: {} }).config;
}

/** Service port number by port name (grpc, http, api, metrics). */
export function servicePorts(objects: readonly Record<string, unknown>[]): Map<string, number> {
  const ports = get(objectOfKind(objects, 'Service'), 'spec.ports') as
    | { name: string; port: number }[]
    | undefined;
  return new Map((ports ?? []).map((port) => [port.name, port.port]));
}
