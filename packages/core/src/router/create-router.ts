/**
 * `createRouter()`: compiles a validated config into a {@link Router}. All set-up (extractors,
 * automata, rule closures, provider models) happens here, once; `route()` only evaluates.
 *
 * @module
 */
import { DEFAULT_AUTO_MODEL_NAMES, HEADER_SCHEMA_VERSION } from '../config/defaults.js';
import { didYouMean } from '../config/did-you-mean.js';
import type {
  DecisionConfig,
  PluginConfig,
  PluginConfigurations,
  PluginType,
  ProviderModelConfig,
  RouterConfig,
  RoutingConfig,
  SignalsConfig,
} from '../config/router-config-schema.js';
import { SIGNAL_CONTAINERS } from '../config/router-config-schema.js';
import { rankDecisions } from '../decide/select-decision.js';
import { ConfigError } from '../errors/config-error.js';
import { ModelNotFoundError } from '../errors/model-not-found-error.js';
import { SemrouteError, toSemrouteError } from '../errors/semroute-error.js';
import { UnsupportedSpecificationError } from '../errors/unsupported-specification-error.js';
import type { ChatCompletion, ChatCompletionRequest } from '../openai/chat-types.js';
import { renderCompletionAsSse } from '../openai/render-completion-sse.js';
import { errorBody, syntheticCompletion } from '../openai/render-immediate.js';
import { parseJsonBody, validateChatRequest } from '../openai/validate-chat-request.js';
import {
  applyReasoning,
  applyRequestParams,
  applySystemPrompt,
  applyToolsPolicy,
  bodyModelFor,
  headerMutationsFor,
} from '../plugins/request-plugins.js';
import { type CompiledRule, compileRule, SignalSlots, type SlotResult } from '../rules/evaluate-rule.js';
import { compileProjections, type ProjectionStep } from '../rules/projections.js';
import { BUILT_IN_ALGORITHMS, type ModelSelectionAlgorithm } from '../select/model-selection.js';
import { createAuthzSignal } from '../signals/authz-signal.js';
import { buildSignalInput, normalizeHeaders } from '../signals/build-signal-input.js';
import { createContextSignal } from '../signals/context-signal.js';
import { createConversationSignal } from '../signals/conversation-signal.js';
import { createKeywordSignal } from '../signals/keyword-signal.js';
import { createMetadataSignal } from '../signals/metadata-signal.js';
import { runSignalExtractors } from '../signals/run-signal-extractors.js';
import { createStructureSignal } from '../signals/structure-signal.js';
import type { ResponseCacheContext, ResponseCacheV1 } from '../spec/response-cache/v1/response-cache-v1.js';
import type {
  SignalExtractorV1,
  SignalInput,
  SignalKind,
} from '../spec/signal-extractor/v1/signal-extractor-v1.js';
import type { SignalProviderV1 } from '../spec/signal-provider/v1/signal-provider-v1.js';
import { type Clock, seededRandom, systemClock } from './clock.js';
import { type Logger, silentLogger } from './logger.js';
import type {
  ImmediateOutcome,
  ModelListEntry,
  RouteExplanation,
  RouteOutcome,
  RoutePhaseTimings,
  RouteRequest,
  Router,
  SignalExplanation,
} from './route-types.js';

export interface CreateRouterOptions {
  /** A validated config (from `parseRouterConfig`). */
  readonly config: RouterConfig;
  /** Providers for the learned signal families (e.g. from `@semroute/classifiers`). */
  readonly signalProviders?: readonly SignalProviderV1[];
  /** Response cache consulted by decisions with a `response_cache` plugin. */
  readonly responseCache?: ResponseCacheV1;
  /** Extra model-selection algorithms by `algorithm.type`. */
  readonly algorithms?: Readonly<Record<string, ModelSelectionAlgorithm>>;
  /**
   * What to do when a decision references a signal family that neither core nor any provider
   * serves: `error` (default) fails router creation; `unmatched` treats the signal as never
   * matching and logs a warning.
   */
  readonly unservedSignals?: 'error' | 'unmatched';
  /** Per-signal timeout in ms; default `global.router.signal_timeout_ms` (1000). */
  readonly signalTimeoutMs?: number;
  /** Largest `messages` array accepted (default 10,000). */
  readonly maxMessages?: number;
  /** Deepest JSON nesting accepted (default 64). */
  readonly maxJsonDepth?: number;
  readonly clock?: Clock;
  /** Random source in [0, 1) for weighted selection; default a seeded PRNG when `algorithm.seed` is set, else `Math.random`. */
  readonly random?: () => number;
  readonly logger?: Logger;
  /** Aborts provider set-up. */
  readonly signal?: AbortSignal;
}

interface CompiledDecision {
  readonly config: DecisionConfig;
  readonly name: string;
  readonly priority: number;
  readonly tier: number | undefined;
  readonly rule: CompiledRule;
  readonly plugins: ReadonlyMap<PluginType, PluginConfig['configuration']>;
  readonly algorithm: ModelSelectionAlgorithm;
  readonly algorithmName: string;
  readonly policyFingerprint: string;
  readonly random: () => number;
}

interface CompiledRouting {
  readonly name: string;
  readonly routing: RoutingConfig;
  readonly slots: SignalSlots;
  readonly extractors: (SignalExtractorV1 | undefined)[];
  readonly decisions: readonly CompiledDecision[];
  readonly projections: readonly ProjectionStep[];
  /** Complexity composers: a matched result in `slot` stands only when `rule` matches. */
  readonly composers: readonly { readonly slot: number; readonly rule: CompiledRule }[];
  readonly strategy: 'priority' | 'confidence';
}

/** Signal families core implements itself (pure, no models); every other family needs a provider. */
export const CORE_SIGNAL_KINDS: ReadonlySet<SignalKind> = new Set<SignalKind>([
  'keyword',
  'context',
  'structure',
  'conversation',
  'authz',
  'metadata',
]);

/** Debug header suffix per signal family. */
const MATCHED_HEADER: Partial<Record<SignalKind, string>> = {
  keyword: 'keywords',
  embedding: 'embeddings',
  domain: 'domains',
  fact_check: 'fact-check',
  user_feedback: 'user-feedback',
  reask: 'reask',
  preference: 'preference',
  language: 'language',
  context: 'context',
  structure: 'structure',
  complexity: 'complexity',
  modality: 'modality',
  authz: 'authz',
  jailbreak: 'jailbreak',
  pii: 'pii',
  kb: 'kb',
  conversation: 'conversation',
  event: 'event',
  projection: 'projections',
};

/**
 * Turns a matched complexity result into an unmatched one when its composer does not match.
 * Composers read only non-complexity families (a semantic check), so the order is irrelevant.
 */
function applyComposers(composers: CompiledRouting['composers'], results: SlotResult[]): void {
  for (const { slot, rule } of composers) {
    const result = results[slot];
    if (result?.status !== 'matched' || rule(results) >= 0) continue;
    results[slot] = {
      status: 'unmatched',
      confidence: result.confidence,
      ...(result.labels ? { labels: result.labels } : {}),
      evidence: [...(result.evidence ?? []), 'filtered out by composer'],
    };
  }
}

/** FNV-1a over a string, as 8 hex digits: a stable, dependency-free fingerprint. */
export function fingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}

function definitionOf(
  routing: RoutingConfig,
  kind: SignalKind,
  name: string,
): ({ name: string } & Record<string, unknown>) | undefined {
  const container = (Object.keys(SIGNAL_CONTAINERS) as (keyof SignalsConfig)[]).find(
    (key) => SIGNAL_CONTAINERS[key] === kind,
  );
  if (!container) return undefined;
  return (routing.signals[container] as readonly ({ name: string } & Record<string, unknown>)[]).find(
    (entry) => entry.name === name,
  );
}

function createCoreExtractor(
  kind: SignalKind,
  definition: Record<string, unknown>,
  config: RouterConfig,
): SignalExtractorV1 {
  switch (kind) {
    case 'keyword':
      return createKeywordSignal(definition as never);
    case 'context':
      return createContextSignal(definition as never);
    case 'structure':
      return createStructureSignal(definition as never);
    case 'conversation':
      return createConversationSignal(definition as never);
    case 'metadata':
      return createMetadataSignal(definition as never);
    case 'authz': {
      const identity = config.global.services.authz?.identity;
      return createAuthzSignal(definition as never, {
        ...(identity?.user_id_header ? { userIdHeader: identity.user_id_header } : {}),
        ...(identity?.user_groups_header ? { userGroupsHeader: identity.user_groups_header } : {}),
      });
    }
    default:
      throw new Error(`no core extractor for ${kind}`);
  }
}

function assertExtractor(extractor: SignalExtractorV1, provider: string): SignalExtractorV1 {
  if (extractor.specificationVersion !== 'v1') {
    throw new UnsupportedSpecificationError({
      message: `signal provider ${provider} returned an extractor with specificationVersion "${String(extractor.specificationVersion)}"; this @semroute/core supports "v1": upgrade the provider package to a release built for it`,
      version: String(extractor.specificationVersion),
    });
  }
  return extractor;
}

/** Builds a {@link Router}. Rejects with `ConfigError` or a provider's error when a signal cannot be served. */
export async function createRouter(options: CreateRouterOptions): Promise<Router> {
  const config = options.config;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const providers = options.signalProviders ?? [];
  for (const provider of providers) {
    if (provider.specificationVersion !== 'v1') {
      throw new UnsupportedSpecificationError({
        message: `signal provider ${provider.name} implements specificationVersion "${String(provider.specificationVersion)}"; this @semroute/core supports "v1"`,
        version: String(provider.specificationVersion),
      });
    }
  }
  const algorithms: Record<string, ModelSelectionAlgorithm> = {
    ...BUILT_IN_ALGORITHMS,
    ...options.algorithms,
  };
  const timeoutMs = options.signalTimeoutMs ?? config.global.router.signal_timeout_ms;
  const modelsByName = new Map<string, ProviderModelConfig>(
    config.providers.models.map((model) => [model.name, model]),
  );
  const unserved: string[] = [];

  async function compileRouting(
    name: string,
    routing: RoutingConfig,
    path: string,
  ): Promise<CompiledRouting> {
    const slots = new SignalSlots();
    const decisions = routing.decisions.map((decision): CompiledDecision => {
      const algorithmType = decision.algorithm?.type ?? 'static';
      let algorithm = algorithms[algorithmType];
      if (!algorithm) {
        logger.warn(
          { decision: decision.name, algorithm: algorithmType },
          'unknown selection algorithm; using static selection',
        );
        algorithm = algorithms.static!;
      }
      const plugins = new Map<PluginType, PluginConfig['configuration']>();
      for (const plugin of decision.plugins) plugins.set(plugin.type, plugin.configuration);
      return {
        config: decision,
        name: decision.name,
        priority: decision.priority,
        tier: decision.tier,
        rule: compileRule(decision.rules, slots),
        plugins,
        algorithm,
        algorithmName:
          algorithm === algorithms[algorithmType] ? algorithmType : `static (${algorithmType} unavailable)`,
        policyFingerprint: fingerprint(
          JSON.stringify([
            name,
            decision.name,
            decision.modelRefs,
            decision.plugins,
            decision.output_contract ?? null,
          ]),
        ),
        random:
          options.random ??
          (decision.algorithm?.seed !== undefined ? seededRandom(decision.algorithm.seed) : Math.random),
      };
    });
    const projections = compileProjections(routing, slots);
    // Compiled before the extractors are created: a composer's leaves allocate slots, so the
    // signals it reads are extracted even when no decision references them.
    const composers: { slot: number; rule: CompiledRule }[] = [];
    for (const complexity of routing.signals.complexity) {
      if (complexity.composer === undefined) continue;
      const slot = slots.find('complexity', complexity.name);
      if (slot !== undefined) composers.push({ slot, rule: compileRule(complexity.composer, slots) });
    }
    const extractors = await Promise.all(
      slots.signals.map(async ({ type, name: signalName }) => {
        if (type === 'projection') return undefined;
        const definition = definitionOf(routing, type, signalName);
        if (CORE_SIGNAL_KINDS.has(type)) {
          if (!definition) return undefined;
          return createCoreExtractor(type, definition, config);
        }
        const provider = providers.find((candidate) => candidate.kinds.includes(type));
        if (!provider || !definition) {
          unserved.push(`${path}: ${type} signal "${signalName}"`);
          return undefined;
        }
        return assertExtractor(
          await provider.createExtractor({
            kind: type,
            definition,
            routing,
            config,
            ...(options.signal ? { signal: options.signal } : {}),
          }),
          provider.name,
        );
      }),
    );
    return {
      name,
      routing,
      slots,
      extractors,
      decisions,
      projections,
      composers,
      strategy: config.global.router.strategy ?? routing.strategy,
    };
  }

  const defaultRouting = await compileRouting('default', config.routing, 'routing');
  const recipes = new Map<string, CompiledRouting>();
  for (const [index, recipe] of config.recipes.entries())
    recipes.set(recipe.name, await compileRouting(recipe.name, recipe.routing, `recipes[${index}].routing`));

  if (unserved.length > 0) {
    const message = `no signal provider serves ${unserved.length === 1 ? 'this signal' : 'these signals'}: pass one from @semroute/classifiers (createClassifierSignalProvider) in signalProviders`;
    if ((options.unservedSignals ?? 'error') === 'error') {
      throw new ConfigError({
        issues: unserved.map((entry) => ({
          path: entry.split(':')[0]!,
          message: `${entry.slice(entry.indexOf(':') + 2)}: ${message}`,
          severity: 'error' as const,
        })),
      });
    }
    logger.warn({ signals: unserved }, `${message}; treating them as unmatched`);
  }

  const routerConfig = config.global.router;
  const autoNames = new Set<string>(
    routerConfig.auto_model_names ?? [...DEFAULT_AUTO_MODEL_NAMES, routerConfig.auto_model_name],
  );
  const entrypoints = new Map<string, string>();
  for (const entrypoint of config.entrypoints)
    for (const modelName of entrypoint.model_names) entrypoints.set(modelName, entrypoint.recipe);
  /** Concrete names a client may send: logical names, provider ids and LoRA adapters. */
  const concreteModels = new Map<string, { model: string; bodyModel: string }>();
  const loraParents = new Map<string, string>();
  for (const model of config.providers.models) {
    concreteModels.set(model.name, {
      model: model.name,
      bodyModel: bodyModelFor({ model: model.name }, model),
    });
    if (model.provider_model_id)
      concreteModels.set(model.provider_model_id, { model: model.name, bodyModel: model.provider_model_id });
  }
  for (const card of [
    ...config.routing.modelCards,
    ...config.recipes.flatMap((recipe) => recipe.routing.modelCards),
  ]) {
    if (!modelsByName.has(card.name)) continue;
    for (const lora of card.loras) {
      if (concreteModels.has(lora.name)) continue;
      concreteModels.set(lora.name, { model: card.name, bodyModel: lora.name });
      loraParents.set(lora.name, card.name);
    }
  }
  const headerPrefix =
    (config.global.services.observability?.headers?.prefix as string | undefined) ?? 'x-vsr-';
  const vsr = (suffix: string) => `${headerPrefix}${suffix}`;
  const responseCache = options.responseCache;
  const maxMessages = options.maxMessages;
  const maxJsonDepth = options.maxJsonDepth;
  const clearRouteCache = routerConfig.clear_route_cache;
  let closed = false;

  function emptyExplanation(started: number, requestedModel: string | null): RouteExplanation {
    return {
      recipe: null,
      decision: null,
      confidence: 0,
      selectedModel: null,
      model: null,
      requestedModel,
      passthrough: false,
      usedDefaultModel: false,
      algorithm: null,
      reasoning: null,
      signals: [],
      matchedDecisions: [],
      plugins: [],
      tokenCount: 0,
      latencyMs: clock.now() - started,
    };
  }

  function errorOutcome(error: SemrouteError, explanation: RouteExplanation): ImmediateOutcome {
    return {
      type: 'immediate',
      reason: 'error',
      status: error.httpStatus,
      headers: {
        'content-type': 'application/json',
        [vsr('schema-version')]: HEADER_SCHEMA_VERSION,
        [vsr('response-path')]: 'error',
      },
      body: errorBody(error),
      explanation,
    };
  }

  async function routeOnce(
    request: RouteRequest,
    signal: AbortSignal | undefined,
    started: number,
  ): Promise<RouteOutcome> {
    const headers = normalizeHeaders(
      request.headers as Record<string, string | readonly string[] | undefined> | undefined,
    );
    const body = validateChatRequest(parseJsonBody(request.body), {
      ...(maxMessages !== undefined ? { maxMessages } : {}),
      ...(maxJsonDepth !== undefined ? { maxDepth: maxJsonDepth } : {}),
    });
    const requestedModel = body.model;
    const stream = body.stream === true;
    const debug = headers[vsr('debug')] === 'true' || headers[vsr('debug')] === '1';

    let block: CompiledRouting;
    if (autoNames.has(requestedModel)) block = defaultRouting;
    else if (entrypoints.has(requestedModel)) block = recipes.get(entrypoints.get(requestedModel)!)!;
    else {
      const concrete = concreteModels.get(requestedModel);
      if (!concrete) {
        const known = [...autoNames, ...entrypoints.keys(), ...concreteModels.keys()];
        throw new ModelNotFoundError({
          message: `model "${requestedModel}" is not available${didYouMean(requestedModel, known)}`,
          model: requestedModel,
        });
      }
      // Passthrough: a concrete name skips signals, decisions and plugins but keeps provider shaping.
      const finalBody = concrete.bodyModel === requestedModel ? body : { ...body, model: concrete.bodyModel };
      const explanation: RouteExplanation = {
        ...emptyExplanation(started, requestedModel),
        selectedModel: concrete.model,
        model: concrete.bodyModel,
        passthrough: true,
      };
      return {
        type: 'upstream',
        body: finalBody,
        bodyText: JSON.stringify(finalBody),
        bodyChanged: finalBody !== body,
        selectedModel: concrete.model,
        fallbackModels: [],
        requestHeaders: { set: { 'x-selected-model': concrete.bodyModel }, remove: [] },
        responseHeaders: {
          [vsr('schema-version')]: HEADER_SCHEMA_VERSION,
          [vsr('response-path')]: 'upstream',
          [vsr('selected-model')]: concrete.bodyModel,
        },
        stream,
        clearRouteCache,
        explanation,
      };
    }

    const input: SignalInput = buildSignalInput(body, headers);
    const signalsStarted = clock.now();
    const run = await runSignalExtractors(block.extractors, input, {
      timeoutMs,
      clock,
      ...(signal ? { signal } : {}),
    });
    const results: SlotResult[] = run.results;
    applyComposers(block.composers, results);
    const signalsEnded = clock.now();
    for (const step of block.projections) step(results);

    const matched: {
      decision: CompiledDecision;
      name: string;
      priority: number;
      tier: number | undefined;
      confidence: number;
    }[] = [];
    for (const decision of block.decisions) {
      const confidence = decision.rule(results);
      if (confidence >= 0)
        matched.push({
          decision,
          name: decision.name,
          priority: decision.priority,
          tier: decision.tier,
          confidence,
        });
    }
    rankDecisions(matched, block.strategy);
    const phases: RoutePhaseTimings = {
      signalsStartMs: signalsStarted - started,
      signalsMs: signalsEnded - signalsStarted,
      decisionMs: clock.now() - signalsEnded,
    };

    const signals: SignalExplanation[] = block.slots.signals.map(({ type, name }, index) => {
      const result = results[index];
      const latencyMs = run.latencies[index] ?? 0;
      if (result === undefined)
        return {
          type,
          name,
          status: 'unmatched',
          confidence: 0,
          latencyMs,
          error: 'no extractor serves this signal',
        };
      if (result.status === 'error' || result.status === 'timeout')
        return { type, name, status: result.status, confidence: 0, latencyMs, error: result.error.message };
      return {
        type,
        name,
        status: result.status,
        confidence: result.confidence ?? 0,
        latencyMs,
        ...(result.labels ? { labels: result.labels } : {}),
        ...(result.evidence ? { evidence: result.evidence } : {}),
      };
    });
    const best = matched[0];
    const baseExplanation = {
      ...emptyExplanation(started, requestedModel),
      recipe: block.name,
      signals,
      matchedDecisions: matched.map(({ name, priority, confidence }) => ({ name, priority, confidence })),
      tokenCount: input.tokenCount,
      phases,
    };

    const responseHeaders: Record<string, string> = { [vsr('schema-version')]: HEADER_SCHEMA_VERSION };
    if (debug) {
      const byFamily = new Map<string, string[]>();
      for (const entry of signals) {
        if (entry.status !== 'matched') continue;
        const suffix = MATCHED_HEADER[entry.type];
        if (!suffix) continue;
        const values = byFamily.get(suffix) ?? [];
        values.push(
          entry.type === 'complexity' && entry.labels?.[0] ? `${entry.name}:${entry.labels[0]}` : entry.name,
        );
        byFamily.set(suffix, values);
      }
      for (const [suffix, values] of byFamily) responseHeaders[vsr(`matched-${suffix}`)] = values.join(',');
      responseHeaders[vsr('context-token-count')] = String(input.tokenCount);
      const domain = signals.find((entry) => entry.type === 'domain' && entry.labels?.length);
      if (domain?.labels?.[0]) responseHeaders[vsr('selected-category')] = domain.labels[0];
    }

    if (!best) {
      const fallback = config.providers.defaults.default_model;
      const model = fallback !== undefined ? modelsByName.get(fallback) : undefined;
      if (!fallback || !model) {
        throw new SemrouteError(
          'unable to route request: no model selected and no default model configured',
          { code: 'no_model_selected' },
        );
      }
      const bodyModel = bodyModelFor({ model: fallback }, model);
      const finalBody = { ...body, model: bodyModel };
      Object.assign(responseHeaders, {
        [vsr('response-path')]: 'upstream',
        [vsr('selected-recipe')]: block.name,
        [vsr('selected-model')]: bodyModel,
      });
      return {
        type: 'upstream',
        body: finalBody,
        bodyText: JSON.stringify(finalBody),
        bodyChanged: true,
        selectedModel: fallback,
        fallbackModels: [],
        requestHeaders: { set: { 'x-selected-model': bodyModel }, remove: [] },
        responseHeaders,
        stream,
        clearRouteCache,
        explanation: {
          ...baseExplanation,
          selectedModel: fallback,
          model: bodyModel,
          usedDefaultModel: true,
          latencyMs: clock.now() - started,
        },
      };
    }

    const decision = best.decision;
    Object.assign(responseHeaders, {
      [vsr('selected-recipe')]: block.name,
      [vsr('selected-decision')]: decision.name,
      [vsr('selected-confidence')]: best.confidence.toFixed(4),
    });
    const pluginsRun: string[] = [];

    const fast = decision.plugins.get('fast_response') as PluginConfigurations['fast_response'] | undefined;
    if (fast) {
      pluginsRun.push('fast_response');
      const created = Math.floor(clock.wallNow() / 1000);
      const completion = syntheticCompletion({
        id: `chatcmpl-fast-${clock.wallNow()}`,
        model: 'router',
        content: fast.message,
        created,
      });
      return {
        type: 'immediate',
        reason: 'fast_response',
        status: fast.status,
        headers: {
          ...responseHeaders,
          'content-type': stream ? 'text/event-stream' : 'application/json',
          [vsr('response-path')]: 'fast_response',
          [vsr('fast-response')]: 'true',
        },
        body: stream ? renderCompletionAsSse(completion).join('') : JSON.stringify(completion),
        explanation: {
          ...baseExplanation,
          decision: decision.name,
          confidence: best.confidence,
          plugins: pluginsRun,
          latencyMs: clock.now() - started,
        },
      };
    }

    const refs = decision.config.modelRefs;
    const order = await decision.algorithm.select(refs, {
      decision: decision.name,
      input,
      random: decision.random,
      options: decision.config.algorithm ?? {},
    });
    const chosenIndex = order[0] ?? 0;
    const ref = refs[chosenIndex]!;
    const model = modelsByName.get(ref.model);
    const bodyModel = bodyModelFor(ref, model);
    const fallbackModels = order.slice(1).map((index) => {
      const other = refs[index]!;
      return { model: other.model, bodyModel: bodyModelFor(other, modelsByName.get(other.model)) };
    });
    Object.assign(responseHeaders, {
      [vsr('selected-algorithm')]: decision.algorithmName,
      [vsr('selected-model')]: bodyModel,
    });

    let decidedExplanation = {
      ...baseExplanation,
      decision: decision.name,
      confidence: best.confidence,
      selectedModel: ref.model,
      model: bodyModel,
      algorithm: decision.algorithmName,
    };
    let cacheWrite: ResponseCacheContext | undefined;
    const cachePlugin = decision.plugins.get('response_cache') as
      | PluginConfigurations['response_cache']
      | undefined;
    if (cachePlugin?.enabled && responseCache) {
      cacheWrite = {
        request: body,
        headers,
        recipe: block.name,
        decision: decision.name,
        requestedModel,
        selectedModel: bodyModel,
        stream,
        plugin: cachePlugin,
        policyFingerprint: decision.policyFingerprint,
      };
      pluginsRun.push('response_cache');
      const lookupStarted = clock.now();
      const hit = await responseCache.lookup(cacheWrite, signal ? { signal } : undefined);
      decidedExplanation = {
        ...decidedExplanation,
        phases: {
          ...phases,
          cacheLookupStartMs: lookupStarted - started,
          cacheLookupMs: clock.now() - lookupStarted,
        },
      };
      if (hit) {
        const headersOut: Record<string, string> = {
          'content-type': stream ? 'text/event-stream' : 'application/json',
          [vsr('schema-version')]: HEADER_SCHEMA_VERSION,
          [vsr('response-path')]: 'cache',
          [vsr('cache-hit')]: 'true',
          [vsr('selected-decision')]: decision.name,
        };
        if (debug) headersOut[vsr('cache-similarity')] = hit.similarity.toFixed(4);
        return {
          type: 'immediate',
          reason: 'cache',
          status: 200,
          headers: headersOut,
          body: stream ? renderCompletionAsSse(hit.completion).join('') : JSON.stringify(hit.completion),
          explanation: {
            ...decidedExplanation,
            plugins: pluginsRun,
            latencyMs: clock.now() - started,
          },
        };
      }
    }

    // Routing mutation, then the remaining plugins in their fixed order.
    let finalBody: ChatCompletionRequest = { ...body, model: bodyModel };
    const reasoning = applyReasoning(finalBody, ref, model, config.providers);
    finalBody = reasoning.body;
    if (reasoning.applied) {
      pluginsRun.push('reasoning');
      if (debug)
        responseHeaders[vsr('selected-reasoning')] = reasoning.applied.enabled
          ? (reasoning.applied.effort ?? 'on')
          : 'off';
    }
    const systemPrompt = decision.plugins.get('system_prompt') as
      | PluginConfigurations['system_prompt']
      | undefined;
    if (systemPrompt?.enabled) {
      finalBody = applySystemPrompt(finalBody, systemPrompt);
      pluginsRun.push('system_prompt');
      if (debug) responseHeaders[vsr('injected-system-prompt')] = 'true';
    }
    const requestHeaders = {
      set: { 'x-selected-model': bodyModel } as Record<string, string>,
      remove: [] as string[],
    };
    const headerMutation = decision.plugins.get('header_mutation') as
      | PluginConfigurations['header_mutation']
      | undefined;
    if (headerMutation) {
      const mutations = headerMutationsFor(headerMutation);
      Object.assign(requestHeaders.set, mutations.set, { 'x-selected-model': bodyModel });
      requestHeaders.remove.push(...mutations.remove.filter((name) => name !== 'x-selected-model'));
      pluginsRun.push('header_mutation');
    }
    const requestParams = decision.plugins.get('request_params') as
      | PluginConfigurations['request_params']
      | undefined;
    if (requestParams) {
      finalBody = applyRequestParams(finalBody, requestParams);
      pluginsRun.push('request_params');
    }
    const tools = decision.plugins.get('tools') as PluginConfigurations['tools'] | undefined;
    if (tools) {
      finalBody = applyToolsPolicy(finalBody, tools);
      pluginsRun.push('tools');
    }
    responseHeaders[vsr('response-path')] = 'upstream';

    return {
      type: 'upstream',
      body: finalBody,
      bodyText: JSON.stringify(finalBody),
      bodyChanged: true,
      selectedModel: ref.model,
      fallbackModels,
      requestHeaders,
      responseHeaders,
      stream,
      clearRouteCache,
      ...(cacheWrite ? { cacheWrite } : {}),
      explanation: {
        ...decidedExplanation,
        reasoning: reasoning.applied,
        plugins: pluginsRun,
        latencyMs: clock.now() - started,
      },
    };
  }

  return {
    config,
    async route(request, routeOptions) {
      const started = clock.now();
      try {
        return await routeOnce(request, routeOptions?.signal, started);
      } catch (error) {
        const normalized = toSemrouteError(error);
        if (normalized.httpStatus >= 500)
          logger.error({ err: normalized, code: normalized.code }, 'routing failed');
        return errorOutcome(normalized, emptyExplanation(started, null));
      }
    },
    listModels() {
      const created = Math.floor(clock.wallNow() / 1000);
      const data: ModelListEntry[] = [];
      const seen = new Set<string>();
      const add = (entry: ModelListEntry) => {
        if (seen.has(entry.id)) return;
        seen.add(entry.id);
        data.push(entry);
      };
      add({ id: routerConfig.auto_model_name, object: 'model', created, owned_by: 'semroute' });
      for (const name of autoNames) add({ id: name, object: 'model', created, owned_by: 'semroute' });
      for (const name of entrypoints.keys())
        add({ id: name, object: 'model', created, owned_by: 'semroute' });
      if (routerConfig.include_config_models_in_list) {
        for (const name of concreteModels.keys()) {
          const parent = loraParents.get(name);
          add({ id: name, object: 'model', created, owned_by: 'semroute', ...(parent ? { parent } : {}) });
        }
      }
      return { object: 'list', data };
    },
    async storeResponse(context: ResponseCacheContext, completion: ChatCompletion) {
      if (!responseCache) return;
      try {
        await responseCache.store(context, completion);
      } catch (error) {
        logger.warn(
          { err: toSemrouteError(error), decision: context.decision },
          'response cache write failed',
        );
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled([
        ...providers.map((provider) => provider.close?.()),
        responseCache?.close?.(),
      ]);
    },
  };
}
