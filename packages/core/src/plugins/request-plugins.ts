/**
 * Request-side plugins as pure transforms of the chat request. Each returns a new body (inputs
 * are never mutated) plus what it did, for the explanation and debug headers.
 *
 * @module
 */
import type {
  ModelRefConfig,
  PluginConfigurations,
  ProviderModelConfig,
  ProvidersConfig,
} from '../config/router-config-schema.js';
import type { ChatCompletionRequest, ChatMessage } from '../openai/chat-types.js';

/** The upstream model id for a modelRef: the LoRA adapter, else the provider's model id. */
export function bodyModelFor(
  ref: Pick<ModelRefConfig, 'model' | 'lora_name'>,
  model: ProviderModelConfig | undefined,
): string {
  return ref.lora_name ?? model?.provider_model_id ?? model?.external_model_ids?.openai ?? ref.model;
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split('.');
  let node = target;
  for (const segment of segments.slice(0, -1)) {
    const child = node[segment];
    const copy =
      child && typeof child === 'object' && !Array.isArray(child)
        ? { ...(child as Record<string, unknown>) }
        : {};
    node[segment] = copy;
    node = copy;
  }
  node[segments.at(-1)!] = value;
}

function deletePath(target: Record<string, unknown>, path: string): void {
  const segments = path.split('.');
  let node: Record<string, unknown> | undefined = target;
  for (const segment of segments.slice(0, -1)) {
    const child: unknown = node?.[segment];
    if (!child || typeof child !== 'object') return;
    const copy = { ...(child as Record<string, unknown>) };
    node![segment] = copy;
    node = copy;
  }
  if (node) delete node[segments.at(-1)!];
}

/**
 * Reasoning injection by the model's `reasoning_family`:
 * - `chat_template_kwargs`: `chat_template_kwargs[parameter] = use_reasoning` (qwen3
 *   `enable_thinking`, deepseek `thinking`);
 * - `reasoning_effort`: `parameter` (e.g. `reasoning_effort` or `reasoning.effort`) = effort when
 *   reasoning is on, removed when off;
 * - `top_level_reasoning_effort`: the same at the top level.
 * A modelRef without `use_reasoning` leaves the request alone.
 */
export function applyReasoning(
  body: ChatCompletionRequest,
  ref: ModelRefConfig,
  model: ProviderModelConfig | undefined,
  providers: ProvidersConfig,
): { body: ChatCompletionRequest; applied: { enabled: boolean; effort?: string } | null } {
  if (ref.use_reasoning === undefined || !model?.reasoning_family) return { body, applied: null };
  const family = providers.defaults.reasoning_families[model.reasoning_family];
  if (!family) return { body, applied: null };
  const next: Record<string, unknown> = { ...body };
  const effort = ref.reasoning_effort ?? providers.defaults.default_reasoning_effort ?? 'medium';
  if (family.type === 'chat_template_kwargs') {
    const existing =
      body.chat_template_kwargs && typeof body.chat_template_kwargs === 'object'
        ? (body.chat_template_kwargs as Record<string, unknown>)
        : {};
    next.chat_template_kwargs = { ...existing, [family.parameter]: ref.use_reasoning };
    return { body: next as ChatCompletionRequest, applied: { enabled: ref.use_reasoning } };
  }
  if (ref.use_reasoning) setPath(next, family.parameter, effort);
  else deletePath(next, family.parameter);
  return {
    body: next as ChatCompletionRequest,
    applied: ref.use_reasoning ? { enabled: true, effort } : { enabled: false },
  };
}

/**
 * `system_prompt`: `insert` prepends the prompt to an existing system message (or adds one at
 * the top); `replace` replaces the first system message's content (or adds one).
 */
export function applySystemPrompt(
  body: ChatCompletionRequest,
  configuration: PluginConfigurations['system_prompt'],
): ChatCompletionRequest {
  if (!configuration.enabled || configuration.system_prompt === '') return body;
  const messages = body.messages.slice();
  const index = messages.findIndex((message) => message.role === 'system');
  if (index < 0) {
    messages.unshift({ role: 'system', content: configuration.system_prompt });
  } else {
    const existing = messages[index]!;
    let content: ChatMessage['content'];
    if (configuration.mode === 'replace') content = configuration.system_prompt;
    else if (typeof existing.content === 'string')
      content = `${configuration.system_prompt}\n\n${existing.content}`;
    else if (Array.isArray(existing.content))
      content = [{ type: 'text', text: configuration.system_prompt }, ...existing.content];
    else content = configuration.system_prompt;
    messages[index] = { ...existing, content };
  }
  return { ...body, messages };
}

/** Chat-completions parameters `strip_unknown` keeps. */
export const KNOWN_CHAT_PARAMETERS = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'temperature',
  'top_p',
  'n',
  'stop',
  'max_tokens',
  'max_completion_tokens',
  'presence_penalty',
  'frequency_penalty',
  'logit_bias',
  'logprobs',
  'top_logprobs',
  'user',
  'seed',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'reasoning',
  'metadata',
  'store',
  'modalities',
  'audio',
  'prediction',
  'service_tier',
  'chat_template_kwargs',
  'top_k',
  'min_p',
  'repetition_penalty',
  'web_search_options',
]);

/** `request_params`: drop blocked parameters, cap max tokens and `n`, optionally strip unknown keys. */
export function applyRequestParams(
  body: ChatCompletionRequest,
  configuration: PluginConfigurations['request_params'],
): ChatCompletionRequest {
  const next: Record<string, unknown> = { ...body };
  for (const parameter of configuration.blocked_params)
    if (parameter !== 'model' && parameter !== 'messages') delete next[parameter];
  if (configuration.max_tokens_limit !== undefined) {
    for (const key of ['max_tokens', 'max_completion_tokens']) {
      const value = next[key];
      if (typeof value === 'number' && value > configuration.max_tokens_limit)
        next[key] = configuration.max_tokens_limit;
    }
    if (next.max_tokens === undefined && next.max_completion_tokens === undefined)
      next.max_tokens = configuration.max_tokens_limit;
  }
  if (configuration.max_n !== undefined && typeof next.n === 'number' && next.n > configuration.max_n)
    next.n = configuration.max_n;
  if (configuration.strip_unknown)
    for (const key of Object.keys(next)) if (!KNOWN_CHAT_PARAMETERS.has(key)) delete next[key];
  return next as ChatCompletionRequest;
}

function toolName(tool: unknown): string | undefined {
  if (!tool || typeof tool !== 'object') return undefined;
  const fn = (tool as { function?: { name?: unknown } }).function;
  return typeof fn?.name === 'string' ? fn.name : undefined;
}

/** `tools`: `none` removes tools; `filtered` applies allow/block lists; optional history stripping. */
export function applyToolsPolicy(
  body: ChatCompletionRequest,
  configuration: PluginConfigurations['tools'],
): ChatCompletionRequest {
  let next: ChatCompletionRequest = body;
  if (configuration.mode === 'none') {
    const { tools: _tools, tool_choice: _choice, ...rest } = body;
    next = rest as ChatCompletionRequest;
  } else if (configuration.mode === 'filtered' && Array.isArray(body.tools)) {
    const allow = new Set(configuration.allow_tools);
    const block = new Set(configuration.block_tools);
    const tools = body.tools.filter((tool) => {
      const name = toolName(tool);
      if (name === undefined) return false;
      if (block.has(name)) return false;
      return allow.size === 0 || allow.has(name);
    });
    next = { ...body, tools };
  }
  if (configuration.strip_tool_history) {
    next = {
      ...next,
      messages: next.messages
        .filter((message) => message.role !== 'tool')
        .map((message) => {
          if (!message.tool_calls) return message;
          const { tool_calls: _calls, ...rest } = message;
          return rest as ChatMessage;
        }),
    };
  }
  return next;
}

/** Header names a router must never set or remove on a gateway's request. */
const PROTECTED_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

/** `header_mutation`: returns the set/remove lists, skipping pseudo and hop-by-hop headers. */
export function headerMutationsFor(configuration: PluginConfigurations['header_mutation']): {
  set: Record<string, string>;
  remove: string[];
} {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  const allowed = (name: string) => !name.startsWith(':') && !PROTECTED_HEADERS.has(name);
  for (const { name, value } of [...configuration.add, ...configuration.update]) {
    const lower = name.toLowerCase();
    if (allowed(lower)) set[lower] = value;
  }
  for (const name of configuration.delete) {
    const lower = name.toLowerCase();
    if (allowed(lower)) remove.push(lower);
  }
  return { set, remove };
}
