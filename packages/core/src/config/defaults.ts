/**
 * Default ports, header names and model names shared by every host (ExtProc server, HTTP
 * proxy, management API, deployment artifacts). Tests check manifests against these.
 *
 * @module
 */

/** Default listener ports. */
export const DEFAULT_PORTS = {
  /** gRPC Envoy External Processor. */
  extproc: 50051,
  /** Standalone OpenAI-compatible HTTP proxy. */
  http: 8801,
  /** Management and classification API. */
  api: 8080,
  /** Prometheus `/metrics`. */
  metrics: 9190,
} as const;

/** Auto model names when `global.router.auto_model_names` is not set (plus `auto_model_name`). */
export const DEFAULT_AUTO_MODEL_NAMES = ['vllm-sr/auto', 'auto', 'MoM'] as const;

/** Header names of the reference router's contract. */
export const HEADERS = {
  selectedModel: 'x-selected-model',
  requestId: 'x-request-id',
  debug: 'x-vsr-debug',
  cacheControl: 'x-vsr-cache-control',
  skipProcessing: 'x-vsr-skip-processing',
  schemaVersion: 'x-vsr-schema-version',
  responsePath: 'x-vsr-response-path',
  selectedRecipe: 'x-vsr-selected-recipe',
  selectedDecision: 'x-vsr-selected-decision',
  selectedConfidence: 'x-vsr-selected-confidence',
  selectedAlgorithm: 'x-vsr-selected-algorithm',
  selectedModelResponse: 'x-vsr-selected-model',
  selectedReasoning: 'x-vsr-selected-reasoning',
  selectedCategory: 'x-vsr-selected-category',
  cacheHit: 'x-vsr-cache-hit',
  cacheSimilarity: 'x-vsr-cache-similarity',
  fastResponse: 'x-vsr-fast-response',
  contextTokenCount: 'x-vsr-context-token-count',
  injectedSystemPrompt: 'x-vsr-injected-system-prompt',
  authzUserId: 'x-authz-user-id',
  authzUserGroups: 'x-authz-user-groups',
  authzTeamId: 'x-authz-team-id',
  authzTenantId: 'x-authz-tenant-id',
} as const;

/** Value of `x-vsr-schema-version`. */
export const HEADER_SCHEMA_VERSION = '2';
