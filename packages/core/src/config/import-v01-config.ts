/**
 * Converts the legacy v0.1 flat configuration (categories, vllm_endpoints, model_config,
 * default_model, semantic_cache, prompt_guard, classifier) to the canonical v0.3 shape.
 *
 * Mapping: each category becomes a `domains` signal plus a decision whose modelRefs come from
 * `model_scores` (highest score first); `vllm_endpoints` + `model_config` become
 * `providers.models[].backend_refs`; `semantic_cache` becomes `global.stores.response_cache` and
 * a `response_cache` plugin on every decision; `prompt_guard` becomes a `jailbreak` signal with a
 * blocking decision; a model's `pii_policy` with `allow_by_default: false` becomes a `pii` signal
 * with its allowed types and a blocking decision.
 *
 * @module
 */
import { parse } from 'yaml';
import { ConfigError } from '../errors/config-error.js';

export interface ImportV01Result {
  /** The v0.3 document (plain data, ready for `yaml.stringify` or `validateRouterConfig`). */
  readonly config: Record<string, unknown>;
  /** Keys that have no v0.3 equivalent, or were approximated. */
  readonly warnings: readonly string[];
}

type Loose = Record<string, unknown>;

const asRecord = (value: unknown): Loose =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Loose) : {};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asString = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const asNumber = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

const HANDLED = new Set([
  'categories',
  'vllm_endpoints',
  'model_config',
  'default_model',
  'semantic_cache',
  'prompt_guard',
  'classifier',
  'reasoning_families',
  'default_reasoning_effort',
  'bert_model',
  'tools',
  'signals',
  'decisions',
]);

/** Converts a parsed v0.1 document. */
export function importV01Config(legacy: unknown): ImportV01Result {
  const source = asRecord(legacy);
  const warnings: string[] = [];
  for (const key of Object.keys(source))
    if (!HANDLED.has(key)) warnings.push(`${key}: no v0.3 equivalent; dropped`);

  const modelConfig = asRecord(source.model_config);
  const endpoints = asArray(source.vllm_endpoints).map(asRecord);
  const categories = asArray(source.categories).map(asRecord);

  // Every model named anywhere gets a providers.models entry.
  const modelNames = new Set<string>(Object.keys(modelConfig));
  for (const endpoint of endpoints)
    for (const model of asArray(endpoint.models)) if (typeof model === 'string') modelNames.add(model);
  for (const category of categories)
    for (const score of asArray(category.model_scores).map(asRecord))
      if (asString(score.model)) modelNames.add(score.model as string);
  const defaultModel = asString(source.default_model);
  if (defaultModel) modelNames.add(defaultModel);

  const models = [...modelNames].map((name) => {
    const settings = asRecord(modelConfig[name]);
    const preferred = asArray(settings.preferred_endpoints).filter(
      (value): value is string => typeof value === 'string',
    );
    const serving = endpoints.filter((endpoint) =>
      preferred.length > 0
        ? preferred.includes(String(endpoint.name))
        : asArray(endpoint.models).includes(name),
    );
    const model: Loose = { name };
    if (asString(settings.reasoning_family)) model.reasoning_family = settings.reasoning_family;
    model.backend_refs = serving.map((endpoint) => ({
      ...(asString(endpoint.name) ? { name: endpoint.name } : {}),
      endpoint: `${String(endpoint.address ?? '127.0.0.1')}:${String(endpoint.port ?? 8000)}`,
      protocol: 'http',
      weight: asNumber(endpoint.weight) ?? 1,
    }));
    if (serving.length === 0)
      warnings.push(`model_config.${name}: no vllm_endpoints serve this model; add backend_refs`);
    return model;
  });

  const signals: Loose = {};
  const decisions: Loose[] = [];
  const cache = asRecord(source.semantic_cache);
  const cacheEnabled = cache.enabled === true;
  const cachePlugin = cacheEnabled
    ? [
        {
          type: 'response_cache',
          configuration: {
            enabled: true,
            mode: 'semantic',
            scope: 'global',
            semantic: { similarity_threshold: asNumber(cache.similarity_threshold) ?? 0.8 },
          },
        },
      ]
    : [];

  const promptGuard = asRecord(source.prompt_guard);
  if (promptGuard.enabled === true) {
    signals.jailbreak = [
      { name: 'prompt_guard', method: 'classifier', threshold: asNumber(promptGuard.threshold) ?? 0.7 },
    ];
    decisions.push({
      name: 'block_jailbreak',
      priority: 1000,
      rules: { operator: 'OR', conditions: [{ type: 'jailbreak', name: 'prompt_guard' }] },
      plugins: [
        {
          type: 'fast_response',
          configuration: { message: 'Request refused by policy (jailbreak detected).' },
        },
      ],
    });
  }

  const piiSignals: Loose[] = [];
  for (const [name, settings] of Object.entries(modelConfig)) {
    const policy = asRecord(asRecord(settings).pii_policy);
    if (policy.allow_by_default !== false) continue;
    const signalName = `pii_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
    piiSignals.push({
      name: signalName,
      threshold: 0.5,
      pii_types_allowed: asArray(policy.pii_types_allowed).filter((value) => typeof value === 'string'),
    });
    decisions.push({
      name: `block_pii_${name.replace(/[^A-Za-z0-9_-]/g, '_')}`,
      priority: 900,
      rules: { operator: 'OR', conditions: [{ type: 'pii', name: signalName }] },
      plugins: [
        {
          type: 'fast_response',
          configuration: { message: 'Please remove personal data from the request.' },
        },
      ],
    });
    warnings.push(
      `model_config.${name}.pii_policy: became a blocking decision for every request (v0.3 applies PII policy per decision, not per model)`,
    );
  }
  if (piiSignals.length > 0) signals.pii = piiSignals;

  const domains: Loose[] = [];
  for (const [index, category] of categories.entries()) {
    const name = asString(category.name);
    if (!name) {
      warnings.push(`categories[${index}]: no name; skipped`);
      continue;
    }
    domains.push({
      name,
      ...(asString(category.description) ? { description: category.description } : {}),
      ...(Array.isArray(category.mmlu_categories) ? { mmlu_categories: category.mmlu_categories } : {}),
    });
    const scores = asArray(category.model_scores)
      .map(asRecord)
      .filter((score) => asString(score.model))
      .sort((a, b) => (asNumber(b.score) ?? 0) - (asNumber(a.score) ?? 0));
    const modelRefs = scores.map((score) => ({
      model: score.model,
      ...(typeof score.use_reasoning === 'boolean' ? { use_reasoning: score.use_reasoning } : {}),
    }));
    if (modelRefs.length === 0 && defaultModel) modelRefs.push({ model: defaultModel });
    const plugins: Loose[] = [];
    if (asString(category.system_prompt))
      plugins.push({
        type: 'system_prompt',
        configuration: { enabled: true, mode: 'insert', system_prompt: category.system_prompt },
      });
    plugins.push(...cachePlugin);
    decisions.push({
      name,
      priority: 10,
      rules: { operator: 'OR', conditions: [{ type: 'domain', name }] },
      modelRefs,
      ...(plugins.length ? { plugins } : {}),
    });
  }
  if (domains.length > 0) signals.domains = domains;

  const defaults: Loose = {};
  if (defaultModel) defaults.default_model = defaultModel;
  if (asString(source.default_reasoning_effort))
    defaults.default_reasoning_effort = source.default_reasoning_effort;
  if (source.reasoning_families && typeof source.reasoning_families === 'object')
    defaults.reasoning_families = source.reasoning_families;

  const global: Loose = { router: { clear_route_cache: true } };
  if (cacheEnabled || Object.keys(cache).length > 0) {
    global.stores = {
      response_cache: {
        enabled: cacheEnabled,
        backend_type: asString(cache.backend_type) ?? 'memory',
        ...(asNumber(cache.similarity_threshold) !== undefined
          ? { similarity_threshold: cache.similarity_threshold }
          : {}),
        ...(asNumber(cache.max_entries) !== undefined ? { max_entries: cache.max_entries } : {}),
        ...(asNumber(cache.ttl_seconds) !== undefined ? { ttl_seconds: cache.ttl_seconds } : {}),
        ...(asString(cache.eviction_policy) ? { eviction_policy: cache.eviction_policy } : {}),
      },
    };
  }
  const classifier = asRecord(source.classifier);
  const categoryModel = asRecord(classifier.category_model);
  const piiModel = asRecord(classifier.pii_model);
  const system: Loose = {};
  if (asString(categoryModel.model_id)) system.domain_classifier = categoryModel.model_id;
  if (asString(piiModel.model_id)) system.pii_classifier = piiModel.model_id;
  if (asString(promptGuard.model_id)) system.prompt_guard = promptGuard.model_id;
  const catalog: Loose = {};
  if (Object.keys(system).length > 0) catalog.system = system;
  const moduleClassifier: Loose = {};
  if (asNumber(categoryModel.threshold) !== undefined)
    moduleClassifier.domain = { threshold: categoryModel.threshold };
  if (asNumber(piiModel.threshold) !== undefined) moduleClassifier.pii = { threshold: piiModel.threshold };
  if (Object.keys(moduleClassifier).length > 0) catalog.modules = { classifier: moduleClassifier };
  if (Object.keys(catalog).length > 0) global.model_catalog = catalog;
  if (source.bert_model)
    warnings.push('bert_model: set the embedding model in global.model_catalog (embeddings) instead');
  if (source.tools) {
    global.integrations = { tools: source.tools };
  }
  if (source.signals || source.decisions)
    warnings.push('signals/decisions: v0.1 preview keys were not converted; re-create them under routing');

  return {
    config: {
      version: 'v0.3',
      providers: { defaults, models },
      routing: { signals, decisions },
      global,
    },
    warnings,
  };
}

/** Parses v0.1 YAML text and converts it. Throws {@link ConfigError} on malformed YAML. */
export function importV01ConfigText(text: string, source?: string): ImportV01Result {
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (error) {
    throw new ConfigError({
      issues: [
        {
          path: '',
          message: `YAML syntax error: ${(error as Error).message.split('\n')[0]}`,
          severity: 'error',
        },
      ],
      ...(source ? { source } : {}),
    });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError({
      issues: [{ path: '', message: 'the document must be a mapping', severity: 'error' }],
      ...(source ? { source } : {}),
    });
  }
  if ((parsed as Loose).version !== undefined) {
    throw new ConfigError({
      issues: [
        {
          path: 'version',
          message: `already a versioned config (${String((parsed as Loose).version)}); nothing to migrate`,
          severity: 'error',
        },
      ],
      ...(source ? { source } : {}),
    });
  }
  return importV01Config(parsed);
}
