/**
 * How Envoy applies an ext_proc HeaderMutation (source/extensions/filters/http/ext_proc/
 * mutation_utils.cc, as summarised in docs/envoy-ext-proc.md §6): removes first, then sets;
 * `raw_value` read when Envoy runs with `send_header_raw_value` (default), `value` otherwise;
 * both set ⇒ error; system headers ignored (counted) unless allowed, or an error with
 * `disallow_is_error`; invalid characters ⇒ error; `:status` on responses only when ≥ 200.
 *
 * @module
 */
import type { HeaderMutation, HeaderValueOption } from '../../src/ext-proc-messages.js';

export interface MutationRules {
  /** `allow_all_routing`: host/:authority/:scheme/:method become mutable. */
  readonly allowAllRouting?: boolean;
  /** `allow_envoy`: x-envoy-* become mutable. */
  readonly allowEnvoy?: boolean;
  /** `disallow_is_error`: a disallowed mutation fails the request (500) instead of being ignored. */
  readonly disallowIsError?: boolean;
}

/** Header record with lower-case names. */
export type HeaderRecord = Record<string, string>;

export interface MutationContext {
  readonly rules: MutationRules;
  /** Envoy reads raw_value (runtime flag send_header_raw_value, default on). */
  readonly readsRawValue: boolean;
  /** Response headers (`:status` settable) or request headers. */
  readonly direction: 'request' | 'response';
  /** Immediate-response headers: invalid entries are dropped, not errors. */
  readonly immediate?: boolean;
}

export interface MutationResult {
  readonly headers: HeaderRecord;
  /** Counter `rejected_header_mutations` increments. */
  readonly rejected: number;
  /** Set when Envoy would fail the request (500). */
  readonly error?: string;
}

const decoder = new TextDecoder();

function isSystemRoutingHeader(name: string): boolean {
  return name === 'host' || name === ':authority' || name === ':scheme' || name === ':method';
}

function validName(name: string): boolean {
  return /^:?[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name);
}

function validValue(value: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: Envoy rejects control characters.
  return !/[\x00-\x08\x0a-\x1f\x7f]/.test(value);
}

function readValue(option: HeaderValueOption, context: MutationContext): { value?: string; error?: string } {
  const raw = option.header?.raw_value;
  const hasRaw = raw !== undefined && raw !== null && raw.length > 0;
  const text = option.header?.value ?? '';
  if (hasRaw && text.length > 0)
    return { error: `header ${option.header.key}: both value and raw_value are set` };
  if (context.readsRawValue) return { value: hasRaw ? decoder.decode(raw) : '' }; // envoyproxy/envoy#31555
  return { value: text };
}

/** Checks whether a name may be touched; returns 'ok', 'ignore' or 'error'. */
function permission(name: string, context: MutationContext, removing: boolean): 'ok' | 'ignore' | 'error' {
  const rules = context.rules;
  let allowed = true;
  if (removing && (name.startsWith(':') || name === 'host')) allowed = false;
  else if (isSystemRoutingHeader(name) && !rules.allowAllRouting) allowed = false;
  else if (name.startsWith('x-envoy-') && !rules.allowEnvoy) allowed = false;
  else if (name.startsWith(':') && name !== ':path' && name !== ':status' && !isSystemRoutingHeader(name))
    allowed = false;
  else if (name === ':status' && context.direction !== 'response') allowed = false;
  if (allowed) return 'ok';
  return rules.disallowIsError && !context.immediate ? 'error' : 'ignore';
}

/** Applies one mutation to a copy of `headers`. */
export function applyHeaderMutation(
  headers: HeaderRecord,
  mutation: HeaderMutation | null | undefined,
  context: MutationContext,
): MutationResult {
  const result: HeaderRecord = { ...headers };
  let rejected = 0;
  if (!mutation) return { headers: result, rejected };
  for (const rawName of mutation.remove_headers ?? []) {
    const name = rawName.toLowerCase();
    const verdict = permission(name, context, true);
    if (verdict === 'error')
      return { headers: result, rejected: rejected + 1, error: `disallowed removal of ${name}` };
    if (verdict === 'ignore') {
      rejected++;
      continue;
    }
    delete result[name];
  }
  let statusSet = false;
  for (const option of mutation.set_headers ?? []) {
    const name = (option.header?.key ?? '').toLowerCase();
    const { value, error } = readValue(option, context);
    if (error) {
      if (context.immediate) continue;
      return { headers: result, rejected, error };
    }
    if (!validName(name) || !validValue(value ?? '')) {
      if (context.immediate) continue;
      return { headers: result, rejected, error: `invalid header ${JSON.stringify(name)}` };
    }
    const verdict = permission(name, context, false);
    if (verdict === 'error')
      return { headers: result, rejected: rejected + 1, error: `disallowed mutation of ${name}` };
    if (verdict === 'ignore') {
      rejected++;
      continue;
    }
    if (name === ':status') {
      const code = Number(value);
      if (statusSet || !Number.isInteger(code) || code < 200) {
        rejected++;
        continue;
      }
      statusSet = true;
    }
    const append = option.append?.value;
    const action = option.append_action ?? 'APPEND_IF_EXISTS_OR_ADD';
    const exists = result[name] !== undefined;
    if (append === true) {
      result[name] = exists ? `${result[name]}, ${value}` : (value ?? '');
    } else if (append === false || option.append === undefined || option.append === null) {
      // ext_proc: append unset means overwrite; append_action refines it.
      if (action === 'ADD_IF_ABSENT' && exists) continue;
      if (action === 'OVERWRITE_IF_EXISTS' && !exists) continue;
      if (
        action === 'APPEND_IF_EXISTS_OR_ADD' &&
        exists &&
        option.append !== undefined &&
        option.append !== null
      ) {
        result[name] = `${result[name]}, ${value}`;
        continue;
      }
      result[name] = value ?? '';
    }
  }
  return { headers: result, rejected };
}
