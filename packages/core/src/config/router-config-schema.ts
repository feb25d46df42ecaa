/**
 * The canonical v0.3 configuration schema (`version: v0.3`), written with zod. TypeScript types
 * are inferred from it, so the schema is the single source of truth.
 *
 * Objects are strict: an unknown field is reported as a warning naming its YAML path (the
 * parser strips it and re-validates), which catches misspelt keys that the reference router
 * silently ignores. Defaults mirror the reference router's.
 *
 * @module
 */
import { z } from 'zod';

const unit = z.number().min(0, 'must be within [0, 1]').max(1, 'must be within [0, 1]');
const name = z.string().min(1, 'must not be empty');
const description = z.string().optional();

/** Token counts accept plain integers or `32K` / `1.5M` shorthands. */
export const tokenCount = z
  .union([z.number().int().nonnegative(), z.string()])
  .transform((value, context) => {
    if (typeof value === 'number') return value;
    const match = /^\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*$/.exec(value);
    if (!match) {
      context.addIssue({ code: 'custom', message: `"${value}" is not a token count (use 4096, 32K or 1M)` });
      return z.NEVER;
    }
    const multiplier =
      match[2]?.toLowerCase() === 'k' ? 1024 : match[2]?.toLowerCase() === 'm' ? 1024 * 1024 : 1;
    return Math.round(Number(match[1]) * multiplier);
  });

const numericPredicate = z.strictObject({
  gt: z.number().optional(),
  gte: z.number().optional(),
  lt: z.number().optional(),
  lte: z.number().optional(),
});
export type NumericPredicate = z.infer<typeof numericPredicate>;

// ---------------------------------------------------------------------------------------------
// providers

const reasoningFamily = z.strictObject({
  type: z.enum(['chat_template_kwargs', 'reasoning_effort', 'top_level_reasoning_effort']),
  parameter: name,
});
export type ReasoningFamilyConfig = z.infer<typeof reasoningFamily>;

const reasoningEffort = z.enum(['none', 'minimal', 'low', 'medium', 'high']);

const backendRef = z
  .strictObject({
    name: name.optional(),
    endpoint: z.string().optional(),
    base_url: z.string().url().optional(),
    protocol: z.enum(['http', 'https']).default('http'),
    weight: z.number().nonnegative().default(1),
    type: z.string().optional(),
    provider: z.string().optional(),
    auth_header: z.string().optional(),
    auth_prefix: z.string().optional(),
    api_key: z.string().optional(),
    api_key_env: z.string().optional(),
    extra_headers: z.record(z.string(), z.string()).optional(),
    api_version: z.string().optional(),
    chat_path: z.string().optional(),
  })
  .refine((ref) => ref.endpoint !== undefined || ref.base_url !== undefined, {
    message: 'a backend_ref needs an endpoint (host:port) or a base_url',
  });
export type BackendRefConfig = z.infer<typeof backendRef>;

const providerModel = z.strictObject({
  name,
  provider_model_id: z.string().optional(),
  reasoning_family: z.string().optional(),
  api_format: z.enum(['openai', 'anthropic']).default('openai'),
  description,
  pricing: z
    .strictObject({
      currency: z.string().default('USD'),
      prompt_per_1m: z.number().nonnegative().optional(),
      cached_input_per_1m: z.number().nonnegative().optional(),
      cache_write_per_1m: z.number().nonnegative().optional(),
      completion_per_1m: z.number().nonnegative().optional(),
    })
    .optional(),
  external_model_ids: z.record(z.string(), z.string()).optional(),
  reliability: z
    .strictObject({
      lb_policy: z.string().optional(),
      retry_count: z.number().int().nonnegative().optional(),
      retry_on: z.array(z.string()).optional(),
      consecutive_5xx: z.number().int().positive().optional(),
      base_ejection_time: z.string().optional(),
      max_ejection_percent: z.number().min(0).max(100).optional(),
      health_check_path: z.string().optional(),
      health_check_interval: z.string().optional(),
      health_check_timeout: z.string().optional(),
    })
    .optional(),
  backend_refs: z.array(backendRef).default([]),
});
export type ProviderModelConfig = z.infer<typeof providerModel>;

const providers = z.strictObject({
  defaults: z
    .strictObject({
      default_model: z.string().optional(),
      default_reasoning_effort: reasoningEffort.optional(),
      reasoning_families: z.record(z.string(), reasoningFamily).default({}),
    })
    .default({ reasoning_families: {} }),
  models: z.array(providerModel).default([]),
});
export type ProvidersConfig = z.infer<typeof providers>;

// ---------------------------------------------------------------------------------------------
// signals

const keywordSignal = z.strictObject({
  name,
  description,
  operator: z.enum(['AND', 'OR', 'NOR']).default('OR'),
  keywords: z.array(z.string().min(1)).min(1, 'needs at least one keyword'),
  case_sensitive: z.boolean().default(false),
  /** Unset: escaped literal with word boundaries. */
  method: z.enum(['regex', 'bm25', 'ngram']).optional(),
  threshold: z.number().nonnegative().optional(),
  ngram_arity: z.number().int().min(1).max(8).optional(),
  fuzzy_match: z.boolean().default(false),
  fuzzy_threshold: z.number().int().min(0).max(4).default(2),
});
export type KeywordSignalConfig = z.infer<typeof keywordSignal>;

const embeddingSignal = z.strictObject({
  name,
  description,
  threshold: unit.default(0.75),
  candidates: z.array(z.string().min(1)).min(1, 'needs at least one candidate'),
  aggregation_method: z.enum(['max', 'mean', 'any']).default('max'),
  query_modality: z.enum(['text', 'image', 'audio']).default('text'),
});
export type EmbeddingSignalConfig = z.infer<typeof embeddingSignal>;

const domainSignal = z.strictObject({
  name,
  description,
  mmlu_categories: z.array(z.string()).optional(),
  threshold: unit.optional(),
  model_scores: z
    .array(z.strictObject({ model: name, score: z.number(), use_reasoning: z.boolean().optional() }))
    .optional(),
});
export type DomainSignalConfig = z.infer<typeof domainSignal>;

const labelledClassifierSignal = z.strictObject({ name, description, threshold: unit.optional() });

const reaskSignal = z.strictObject({
  name,
  description,
  threshold: unit.default(0.8),
  lookback_turns: z.number().int().positive().default(3),
});

const preferenceSignal = z.strictObject({
  name,
  description,
  examples: z.array(z.string()).default([]),
  threshold: unit.default(0.7),
});

const languageSignal = z.strictObject({ name, description, threshold: unit.optional() });
export type LanguageSignalConfig = z.infer<typeof languageSignal>;

const contextSignal = z
  .strictObject({ name, description, min_tokens: tokenCount.optional(), max_tokens: tokenCount.optional() })
  .refine(
    (signal) =>
      signal.min_tokens === undefined ||
      signal.max_tokens === undefined ||
      signal.min_tokens <= signal.max_tokens,
    {
      message: 'min_tokens must not exceed max_tokens',
    },
  );
export type ContextSignalConfig = z.infer<typeof contextSignal>;

const structureSignal = z.strictObject({
  name,
  description,
  feature: z.strictObject({
    type: z.enum(['count', 'exists', 'density', 'sequence']),
    source: z.strictObject({
      type: z.enum(['regex', 'keyword_set', 'sequence', 'text_bytes']),
      pattern: z.string().optional(),
      keywords: z.array(z.string()).optional(),
      sequences: z.array(z.array(z.string())).optional(),
      case_sensitive: z.boolean().default(false),
    }),
  }),
  predicate: numericPredicate.default({}),
});
export type StructureSignalConfig = z.infer<typeof structureSignal>;

const complexityCandidates = z.strictObject({
  candidates: z.array(z.string()).default([]),
  image_candidates: z.array(z.string()).optional(),
});
const complexitySignal = z.strictObject({
  name,
  description,
  threshold: z.number().min(0).max(1).default(0.1),
  hard: complexityCandidates,
  easy: complexityCandidates,
  /**
   * Filter applied after every signal has run: a `name:level` result is kept only when this
   * rule tree (the same AND/OR/NOT syntax as decision rules, over other signal families)
   * matches. E.g. keep `code_complexity:hard` only when `domain: computer science` matched.
   */
  composer: z.lazy(() => ruleCondition).optional(),
});
export type ComplexitySignalConfig = z.infer<typeof complexitySignal>;

const modalitySignal = z.strictObject({ name: z.enum(['AR', 'DIFFUSION', 'BOTH']), description });

const roleBinding = z.strictObject({
  name,
  description,
  role: name,
  subjects: z
    .array(z.strictObject({ kind: z.enum(['User', 'Group']), name }))
    .min(1, 'needs at least one subject'),
});
export type RoleBindingConfig = z.infer<typeof roleBinding>;

const jailbreakSignal = z.strictObject({
  name,
  description,
  method: z.enum(['classifier', 'contrastive', 'hybrid']).default('classifier'),
  threshold: unit.default(0.7),
  include_history: z.boolean().default(false),
  jailbreak_patterns: z.array(z.string()).default([]),
  benign_patterns: z.array(z.string()).default([]),
});
export type JailbreakSignalConfig = z.infer<typeof jailbreakSignal>;

const piiSignal = z.strictObject({
  name,
  description,
  threshold: unit.default(0.5),
  include_history: z.boolean().default(false),
  pii_types_allowed: z.array(z.string()).default([]),
});
export type PiiSignalConfig = z.infer<typeof piiSignal>;

const kbSignal = z.strictObject({
  name,
  description,
  kb: name,
  target: z.strictObject({ kind: z.enum(['group', 'label']), value: name }),
  match: z.enum(['best']).default('best'),
});

const conversationSignal = z.strictObject({
  name,
  description,
  feature: z.strictObject({
    type: z.enum(['count', 'exists']),
    source: z.strictObject({
      type: z.enum(['message', 'tool_definition', 'active_tool_loop', 'image_content']),
      role: z.enum(['user', 'developer', 'non_user', 'assistant', 'system', 'tool', 'any']).optional(),
    }),
  }),
  predicate: numericPredicate.default({}),
});
export type ConversationSignalConfig = z.infer<typeof conversationSignal>;

const eventSignal = z.strictObject({
  name,
  description,
  event_types: z.array(z.string()).default([]),
  severities: z.array(z.string()).default([]),
  action_codes: z.array(z.string()).default([]),
  temporal: z.record(z.string(), z.unknown()).optional(),
});

const metadataSignal = z.strictObject({
  name,
  description,
  key: name,
  predicate: z
    .strictObject({
      equals: z.string().optional(),
      in: z.array(z.string()).optional(),
      exists: z.boolean().optional(),
    })
    .default({ exists: true }),
});
export type MetadataSignalConfig = z.infer<typeof metadataSignal>;

const classifierSignal = z.strictObject({
  name,
  description,
  type: z.enum(['local', 'llm']).default('local'),
  model_path: z.string().optional(),
  model: z.string().optional(),
  labels: z.array(z.string()).default([]),
  instructions: z.string().optional(),
  threshold: unit.optional(),
  multi_label: z.boolean().default(false),
});
export type ClassifierSignalConfig = z.infer<typeof classifierSignal>;

const signals = z.strictObject({
  keywords: z.array(keywordSignal).default([]),
  embeddings: z.array(embeddingSignal).default([]),
  domains: z.array(domainSignal).default([]),
  fact_check: z.array(labelledClassifierSignal).default([]),
  user_feedbacks: z.array(labelledClassifierSignal).default([]),
  reasks: z.array(reaskSignal).default([]),
  preferences: z.array(preferenceSignal).default([]),
  language: z.array(languageSignal).default([]),
  context: z.array(contextSignal).default([]),
  structure: z.array(structureSignal).default([]),
  complexity: z.array(complexitySignal).default([]),
  modality: z.array(modalitySignal).default([]),
  role_bindings: z.array(roleBinding).default([]),
  jailbreak: z.array(jailbreakSignal).default([]),
  pii: z.array(piiSignal).default([]),
  kb: z.array(kbSignal).default([]),
  conversation: z.array(conversationSignal).default([]),
  events: z.array(eventSignal).default([]),
  metadata: z.array(metadataSignal).default([]),
  classifiers: z.array(classifierSignal).default([]),
});
export type SignalsConfig = z.infer<typeof signals>;

/** Signal container key in YAML → leaf `type` used in decision rules. */
export const SIGNAL_CONTAINERS = {
  keywords: 'keyword',
  embeddings: 'embedding',
  domains: 'domain',
  fact_check: 'fact_check',
  user_feedbacks: 'user_feedback',
  reasks: 'reask',
  preferences: 'preference',
  language: 'language',
  context: 'context',
  structure: 'structure',
  complexity: 'complexity',
  modality: 'modality',
  role_bindings: 'authz',
  jailbreak: 'jailbreak',
  pii: 'pii',
  kb: 'kb',
  conversation: 'conversation',
  events: 'event',
  metadata: 'metadata',
  classifiers: 'classifier',
} as const satisfies Record<keyof SignalsConfig, string>;

// ---------------------------------------------------------------------------------------------
// projections

const projections = z.strictObject({
  partitions: z
    .array(
      z.strictObject({
        name,
        semantics: z.enum(['exclusive']).default('exclusive'),
        temperature: z.number().positive().default(1),
        members: z.array(z.strictObject({ type: z.string(), name: z.string() })).min(1),
        default: z.string().optional(),
      }),
    )
    .default([]),
  scores: z
    .array(
      z.strictObject({
        name,
        method: z.enum(['weighted_sum']).default('weighted_sum'),
        inputs: z
          .array(
            z.strictObject({
              type: z.string(),
              name: z.string(),
              weight: z.number(),
              value_source: z.enum(['confidence', 'binary']).default('confidence'),
              match: z.number().optional(),
              miss: z.number().optional(),
            }),
          )
          .min(1),
      }),
    )
    .default([]),
  mappings: z
    .array(
      z.strictObject({
        name,
        source: z.string(),
        method: z.enum(['threshold_bands']).default('threshold_bands'),
        calibration: z.strictObject({ method: z.enum(['sigmoid_distance']), slope: z.number() }).optional(),
        outputs: z.array(
          z.strictObject({
            name,
            gt: z.number().optional(),
            gte: z.number().optional(),
            lt: z.number().optional(),
            lte: z.number().optional(),
          }),
        ),
      }),
    )
    .default([]),
});

// ---------------------------------------------------------------------------------------------
// rules

/** A leaf condition: references one signal (`name`, or `name:level` for complexity). */
export interface RuleLeaf {
  type: string;
  name: string;
  label?: string | undefined;
  predicate?: NumericPredicate | undefined;
  on_error?: 'unmatched' | 'matched' | 'fail' | undefined;
}

/** A boolean node over leaves and nodes. */
export interface RuleNode {
  operator: 'AND' | 'OR' | 'NOT';
  conditions: RuleCondition[];
}

export type RuleCondition = RuleLeaf | RuleNode;

const ruleLeaf = z.strictObject({
  type: name,
  name,
  label: z.string().optional(),
  predicate: numericPredicate.optional(),
  on_error: z.enum(['unmatched', 'matched', 'fail']).optional(),
});

export const ruleCondition: z.ZodType<RuleCondition> = z.lazy(() =>
  z.union([
    z.strictObject({
      operator: z.enum(['AND', 'OR', 'NOT'], { message: 'operator must be AND, OR or NOT' }),
      conditions: z.array(ruleCondition).default([]),
    }),
    ruleLeaf,
  ]),
) as z.ZodType<RuleCondition>;

// ---------------------------------------------------------------------------------------------
// plugins

const responseCachePluginConfig = z.strictObject({
  enabled: z.boolean().default(true),
  mode: z.enum(['semantic', 'exact', 'exact_then_semantic']).default('semantic'),
  scope: z.enum(['user', 'global', 'team', 'tenant']).default('user'),
  semantic: z
    .strictObject({ similarity_threshold: unit.default(0.8) })
    .default({ similarity_threshold: 0.8 }),
  /** 0 = do not cache, -1 = the store's default TTL. */
  ttl_seconds: z.number().int().min(-1).default(-1),
  request_controls: z
    .strictObject({
      enabled: z.boolean().default(false),
      header: z.string().default('x-vsr-cache-control'),
      allowed: z
        .array(z.enum(['no-cache', 'no-store', 'bypass', 'max-age', 'ttl']))
        .default(['no-cache', 'no-store', 'bypass', 'max-age', 'ttl']),
      max_ttl_seconds: z.number().int().positive().optional(),
    })
    .optional(),
  personalized: z.strictObject({ mode: z.string() }).optional(),
  revision: z
    .strictObject({
      cache_epoch: z.union([z.string(), z.number()]).optional(),
      model_revision: z.string().optional(),
      prompt_revision: z.string().optional(),
      policy_revision: z.string().optional(),
    })
    .optional(),
});
export type ResponseCachePluginConfig = z.infer<typeof responseCachePluginConfig>;

const headerPair = z.strictObject({ name, value: z.string() });

const pluginConfigurations = {
  fast_response: z.strictObject({
    message: z.string().min(1, 'must not be empty'),
    status: z.number().int().min(200).max(599).default(200),
  }),
  system_prompt: z.strictObject({
    enabled: z.boolean().default(true),
    mode: z.enum(['insert', 'replace']).default('insert'),
    system_prompt: z.string(),
  }),
  header_mutation: z.strictObject({
    add: z.array(headerPair).default([]),
    update: z.array(headerPair).default([]),
    delete: z.array(z.string()).default([]),
  }),
  request_params: z.strictObject({
    blocked_params: z.array(z.string()).default([]),
    max_tokens_limit: z.number().int().positive().optional(),
    max_n: z.number().int().positive().optional(),
    strip_unknown: z.boolean().default(false),
  }),
  tools: z.strictObject({
    mode: z.enum(['passthrough', 'filtered', 'none']).default('passthrough'),
    semantic_selection: z.boolean().default(false),
    allow_tools: z.array(z.string()).default([]),
    block_tools: z.array(z.string()).default([]),
    strip_tool_history: z.boolean().default(false),
  }),
  tool_selection: z.strictObject({
    mode: z.enum(['add', 'filter']).default('filter'),
    tools_db_path: z.string().optional(),
    top_k: z.number().int().positive().default(3),
    similarity_threshold: unit.optional(),
    relevance_threshold: unit.optional(),
    preserve_count: z.number().int().nonnegative().optional(),
    advanced_filtering: z.record(z.string(), z.unknown()).optional(),
  }),
  context_compression: z.looseObject({ enabled: z.boolean().default(true) }),
  response_cache: responseCachePluginConfig,
  memory: z.looseObject({ enabled: z.boolean().default(true) }),
  rag: z.looseObject({
    enabled: z.boolean().default(true),
    backend: z.enum(['milvus', 'qdrant', 'external_api', 'mcp', 'openai', 'vectorstore', 'hybrid']),
    top_k: z.number().int().positive().default(5),
    similarity_threshold: unit.optional(),
    injection_mode: z.enum(['tool_role', 'system_prompt']).default('system_prompt'),
    on_failure: z.enum(['warn', 'skip', 'block']).default('warn'),
  }),
  router_replay: z.looseObject({ enabled: z.boolean().default(true) }),
  hallucination: z.looseObject({
    enabled: z.boolean().default(true),
    use_nli: z.boolean().default(false),
    hallucination_action: z.string().optional(),
    unverified_factual_action: z.string().optional(),
  }),
  response_jailbreak: z.looseObject({
    enabled: z.boolean().default(true),
    threshold: unit.default(0.7),
    action: z.string().optional(),
  }),
  image_gen: z.looseObject({ enabled: z.boolean().default(true) }),
} as const;

export type PluginType = keyof typeof pluginConfigurations;
export const PLUGIN_TYPES = Object.keys(pluginConfigurations) as PluginType[];
/** Alternative spellings the reference router accepts for `response_cache`. */
export const PLUGIN_ALIASES: Readonly<Record<string, PluginType>> = {
  'semantic-cache': 'response_cache',
  semantic_cache: 'response_cache',
  'response-cache': 'response_cache',
};

export type PluginConfigurations = { [K in PluginType]: z.infer<(typeof pluginConfigurations)[K]> };
export type PluginConfig = {
  [K in PluginType]: { type: K; configuration: PluginConfigurations[K] };
}[PluginType];

const plugin = z
  .strictObject({ type: name, configuration: z.unknown().optional() })
  .transform((value, context): PluginConfig => {
    const type = (PLUGIN_ALIASES[value.type] ?? value.type) as PluginType;
    const schema = pluginConfigurations[type] as z.ZodType | undefined;
    if (!schema) {
      context.addIssue({
        code: 'custom',
        path: ['type'],
        message: `unknown plugin type "${value.type}"`,
        params: { unknownName: value.type, candidates: [...PLUGIN_TYPES, ...Object.keys(PLUGIN_ALIASES)] },
      });
      return z.NEVER;
    }
    const parsed = schema.safeParse(value.configuration ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        context.addIssue({ ...issue, path: ['configuration', ...issue.path] } as never);
      return z.NEVER;
    }
    return { type, configuration: parsed.data } as PluginConfig;
  });

// ---------------------------------------------------------------------------------------------
// decisions

const modelRef = z.strictObject({
  model: name,
  lora_name: z.string().optional(),
  use_reasoning: z.boolean().optional(),
  reasoning_effort: reasoningEffort.optional(),
  reasoning_description: z.string().optional(),
  weight: z.number().nonnegative().default(1),
});
export type ModelRefConfig = z.infer<typeof modelRef>;

const algorithm = z.looseObject({
  type: z.string().default('static'),
  on_error: z.enum(['skip', 'fail', 'static']).optional(),
  seed: z.number().int().optional(),
});
export type AlgorithmConfig = z.infer<typeof algorithm>;

const decision = z.strictObject({
  name,
  description,
  priority: z.number().int().default(0),
  tier: z.number().int().nonnegative().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  output_contract: z.record(z.string(), z.unknown()).optional(),
  rules: ruleCondition.default({ operator: 'AND', conditions: [] }),
  modelRefs: z.array(modelRef).default([]),
  candidateIterations: z.number().int().positive().optional(),
  algorithm: algorithm.optional(),
  plugins: z.array(plugin).default([]),
  emits: z.array(z.record(z.string(), z.unknown())).optional(),
  adaptations: z.strictObject({ mode: z.enum(['apply', 'observe', 'bypass']) }).optional(),
});
export type DecisionConfig = z.infer<typeof decision>;

const modelCard = z.strictObject({
  name,
  description,
  param_size: z.union([z.string(), z.number()]).optional(),
  context_window_size: tokenCount.optional(),
  capabilities: z.array(z.string()).default([]),
  quality_score: z.number().optional(),
  modality: z.enum(['ar', 'diffusion', 'omni']).default('ar'),
  tags: z.array(z.string()).default([]),
  loras: z.array(z.strictObject({ name, description })).default([]),
});
export type ModelCardConfig = z.infer<typeof modelCard>;

export const routingSchema = z.strictObject({
  strategy: z.enum(['priority', 'confidence']).default('priority'),
  modelCards: z.array(modelCard).default([]),
  signals: signals.default(signals.parse({})),
  projections: projections.default(projections.parse({})),
  decisions: z.array(decision).default([]),
});
export type RoutingConfig = z.infer<typeof routingSchema>;

// ---------------------------------------------------------------------------------------------
// global

const responseCacheStore = z.strictObject({
  enabled: z.boolean().default(false),
  backend_type: z.enum(['memory', 'redis', 'valkey', 'milvus', 'qdrant', 'hybrid']).default('memory'),
  similarity_threshold: unit.optional(),
  max_entries: z.number().int().positive().default(1000),
  max_bytes: z.number().int().positive().optional(),
  ttl_seconds: z.number().int().nonnegative().default(3600),
  eviction_policy: z.enum(['fifo', 'lru', 'lfu']).default('fifo'),
  embedding_model: z.string().optional(),
  on_error: z.enum(['miss', 'error']).default('miss'),
  use_hnsw: z.boolean().optional(),
  hnsw_m: z.number().int().positive().optional(),
  hnsw_ef_construction: z.number().int().positive().optional(),
  hnsw_ef_search: z.number().int().positive().optional(),
  memory: z.record(z.string(), z.unknown()).optional(),
  redis: z.record(z.string(), z.unknown()).optional(),
  valkey: z.record(z.string(), z.unknown()).optional(),
  milvus: z.record(z.string(), z.unknown()).optional(),
  qdrant: z.record(z.string(), z.unknown()).optional(),
  hybrid: z.record(z.string(), z.unknown()).optional(),
});
export type ResponseCacheStoreConfig = z.infer<typeof responseCacheStore>;

const routerGlobal = z.strictObject({
  config_source: z.enum(['file', 'kubernetes']).default('file'),
  strategy: z.enum(['priority', 'confidence']).optional(),
  auto_model_name: z.string().default('MoM'),
  auto_model_names: z.array(z.string()).optional(),
  include_config_models_in_list: z.boolean().default(false),
  clear_route_cache: z.boolean().default(true),
  streamed_body: z
    .strictObject({
      enabled: z.boolean().default(false),
      max_bytes: z
        .number()
        .int()
        .positive()
        .default(10 * 1024 * 1024),
      timeout_sec: z.number().positive().default(30),
    })
    .optional(),
  skip_processing: z.strictObject({ enabled: z.boolean().default(false) }).optional(),
  model_selection: z.record(z.string(), z.unknown()).optional(),
  learning: z.record(z.string(), z.unknown()).optional(),
  signal_timeout_ms: z.number().int().positive().default(1000),
});
export type RouterGlobalConfig = z.infer<typeof routerGlobal>;

const managementApi = z.strictObject({
  enabled: z.boolean().default(true),
  bind_address: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  remote_exposure: z.boolean().default(false),
  auth: z
    .strictObject({
      mode: z.enum(['disabled', 'bearer']).default('disabled'),
      tokens: z
        .array(
          z.strictObject({
            token: z.string().min(1),
            roles: z.array(z.string()).default(['read']),
            name: z.string().optional(),
          }),
        )
        .default([]),
      roles: z.record(z.string(), z.array(z.string())).optional(),
    })
    .optional(),
});

const services = z.strictObject({
  api: z
    .strictObject({
      batch_classification: z
        .strictObject({
          max_batch_size: z.number().int().positive().default(100),
          concurrency_threshold: z.number().int().positive().default(5),
          max_concurrency: z.number().int().positive().default(8),
          metrics: z.record(z.string(), z.unknown()).optional(),
        })
        .optional(),
    })
    .optional(),
  response_api: z.looseObject({ enabled: z.boolean().default(false) }).optional(),
  observability: z
    .strictObject({
      tracing: z
        .strictObject({
          enabled: z.boolean().default(false),
          provider: z.string().default('opentelemetry'),
          exporter: z
            .looseObject({
              type: z.string().optional(),
              endpoint: z.string().optional(),
              insecure: z.boolean().optional(),
            })
            .optional(),
          sampling: z
            .looseObject({
              type: z.enum(['always_on', 'always_off', 'probabilistic']).default('always_on'),
              rate: unit.optional(),
            })
            .optional(),
          service_name: z.string().optional(),
          /**
           * Which signals get a span of their own under `semantic_router.signal.evaluation`
           * (every signal's status and latency is always on that span's attributes):
           * `learned` (default) the model-backed families, `all` every signal, `none` no per-signal spans.
           */
          signal_spans: z.enum(['all', 'learned', 'none']).default('learned'),
          /**
           * `builtin` (default): semroute's span pipeline, OTLP/HTTP protobuf, no extra packages.
           * `sdk`: the OpenTelemetry SDK with its OTLP/HTTP JSON exporter (install
           * `@opentelemetry/sdk-trace-base`, `@opentelemetry/exporter-trace-otlp-http`, `@opentelemetry/resources`).
           */
          pipeline: z.enum(['builtin', 'sdk']).default('builtin'),
        })
        .optional(),
      metrics: z
        .looseObject({
          enabled: z.boolean().default(true),
          port: z.number().int().min(0).max(65535).optional(),
          /** `llm_model_latency_p{50,95,99}_windowed_seconds` per model and time window. */
          windowed_metrics: z
            .strictObject({
              enabled: z.boolean().default(false),
              time_windows: z
                .array(
                  z
                    .string()
                    .regex(/^(\d+(\.\d+)?(ms|s|m|h))+$/, 'must be a duration such as 30s, 5m, 1h or 1h30m'),
                )
                .min(1)
                .default(['1m', '5m', '15m', '1h', '24h']),
              /** Most models tracked (bounded cardinality); further models are not tracked. */
              max_models: z.number().int().positive().default(100),
              /** Most recent completions kept per model; percentiles are over those inside each window. */
              max_samples: z.number().int().positive().default(10_000),
              /** Accepted for reference configs; gauges are computed at scrape time, so it has no effect. */
              update_interval: z.string().optional(),
              /** Accepted for reference configs; per-model tracking is what this feature does. */
              model_metrics: z.boolean().optional(),
              /** Accepted for reference configs; not implemented (no effect). */
              queue_depth_estimation: z.boolean().optional(),
            })
            .optional(),
        })
        .optional(),
      logging: z
        .looseObject({ level: z.string().optional(), log_prompts: z.boolean().default(false) })
        .optional(),
      headers: z.looseObject({ prefix: z.string().optional() }).optional(),
    })
    .optional(),
  authz: z
    .strictObject({
      fail_open: z.boolean().default(false),
      identity: z
        .strictObject({
          user_id_header: z.string().default('x-authz-user-id'),
          user_groups_header: z.string().default('x-authz-user-groups'),
          team_id_header: z.string().optional(),
          tenant_id_header: z.string().optional(),
        })
        .optional(),
      providers: z.array(z.record(z.string(), z.unknown())).optional(),
    })
    .optional(),
  ratelimit: z
    .looseObject({
      fail_open: z.boolean().default(true),
      providers: z.array(z.record(z.string(), z.unknown())).default([]),
    })
    .optional(),
  management_api: managementApi.optional(),
  router_replay: z.looseObject({ enabled: z.boolean().default(false) }).optional(),
  startup_status: z.record(z.string(), z.unknown()).optional(),
});

const modelCatalog = z.strictObject({
  embeddings: z
    .strictObject({
      semantic: z
        .looseObject({
          use_cpu: z.boolean().optional(),
          embedding_config: z
            .looseObject({
              model_type: z.string().optional(),
              target_dimension: z.number().int().positive().optional(),
              top_k: z.number().int().nonnegative().default(1),
              min_score_threshold: unit.optional(),
              prototype_scoring: z.unknown().optional(),
            })
            .optional(),
          endpoint: z
            .looseObject({
              base_url: z.string(),
              model: z.string().optional(),
              api_key_env: z.string().optional(),
              dimensions: z.number().int().positive().optional(),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  system: z
    .strictObject({
      prompt_guard: z.string().optional(),
      domain_classifier: z.string().optional(),
      pii_classifier: z.string().optional(),
      fact_check_classifier: z.string().optional(),
      hallucination_detector: z.string().optional(),
      hallucination_explainer: z.string().optional(),
      feedback_detector: z.string().optional(),
      embedding_model: z.string().optional(),
      language_model: z.string().optional(),
    })
    .optional(),
  external: z.array(z.record(z.string(), z.unknown())).optional(),
  kbs: z.array(z.record(z.string(), z.unknown())).optional(),
  modules: z
    .looseObject({
      prompt_guard: z
        .looseObject({
          enabled: z.boolean().default(true),
          model_id: z.string().optional(),
          threshold: unit.default(0.7),
          positive_labels: z.array(z.string()).optional(),
          on_error: z.enum(['allow', 'block']).default('allow'),
        })
        .optional(),
      classifier: z
        .looseObject({
          domain: z
            .looseObject({
              threshold: unit.default(0.5),
              fallback_category: z.string().default('other'),
              category_mapping_path: z.string().optional(),
            })
            .optional(),
          pii: z
            .looseObject({ threshold: unit.default(0.9), pii_mapping_path: z.string().optional() })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  models_dir: z.string().optional(),
  backend: z.enum(['onnx', 'wasm', 'transformers']).optional(),
});
export type ModelCatalogConfig = z.infer<typeof modelCatalog>;

const globalSchema = z.strictObject({
  router: routerGlobal.default(routerGlobal.parse({})),
  services: services.default({}),
  stores: z
    .strictObject({
      response_cache: responseCacheStore.optional(),
      memory: z.record(z.string(), z.unknown()).optional(),
      vector_store: z.record(z.string(), z.unknown()).optional(),
    })
    .default({}),
  integrations: z.record(z.string(), z.unknown()).optional(),
  model_catalog: modelCatalog.default({}),
});
export type GlobalConfig = z.infer<typeof globalSchema>;

// ---------------------------------------------------------------------------------------------
// top level

export const routerConfigSchema = z.strictObject({
  version: z.literal('v0.3', { message: 'version must be "v0.3" (run `semroute migrate` for v0.1 configs)' }),
  listeners: z
    .array(
      z.strictObject({
        name,
        address: z.string().default('0.0.0.0'),
        port: z.number().int().min(1).max(65535),
        timeout: z.string().optional(),
      }),
    )
    .default([]),
  providers: providers.default({ defaults: { reasoning_families: {} }, models: [] }),
  routing: routingSchema.default(routingSchema.parse({})),
  entrypoints: z
    .array(z.strictObject({ name: z.string().optional(), model_names: z.array(name).min(1), recipe: name }))
    .default([]),
  recipes: z.array(z.strictObject({ name, description, routing: routingSchema })).default([]),
  global: globalSchema.default(globalSchema.parse({})),
});

/** A validated v0.3 configuration, defaults applied. */
export type RouterConfig = z.infer<typeof routerConfigSchema>;
/** The configuration as written in YAML (before defaults). */
export type RouterConfigInput = z.input<typeof routerConfigSchema>;
