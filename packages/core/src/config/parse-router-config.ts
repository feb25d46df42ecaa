/**
 * YAML → validated {@link RouterConfig}: `${ENV}` substitution, YAML parsing with positions,
 * zod validation, unknown-field warnings and semantic checks. Every problem is reported with
 * its YAML path and, where the source is known, line and column.
 *
 * @module
 */
import { type Document, isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';
import { type ConfigPath, checkConfigSemantics } from './check-config-semantics.js';
import { didYouMean } from './did-you-mean.js';
import { type RouterConfig, routerConfigSchema } from './router-config-schema.js';

export interface ParseRouterConfigOptions {
  /** File name for messages. */
  readonly source?: string;
  /** Variables for `${NAME}` / `${NAME:-default}` substitution. Pass `process.env` in Node hosts. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ParsedRouterConfig {
  readonly config: RouterConfig;
  /** Non-fatal findings: unknown fields, unset variables, suspicious values. */
  readonly warnings: readonly ConfigIssue[];
}

/** Keys of the legacy v0.1 flat layout; their presence without `version` means "migrate". */
const LEGACY_KEYS = [
  'categories',
  'vllm_endpoints',
  'model_config',
  'semantic_cache',
  'prompt_guard',
  'bert_model',
  'classifier',
];

/** Formats a path array as `a.b[3].c`. */
export function formatConfigPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text ? `.${segment}` : segment;
  }
  return text;
}

function substituteEnv(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
  lineCounter: (offset: number) => { line: number; col: number },
  warnings: ConfigIssue[],
): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (whole, variable: string, fallback: string | undefined, offset: number) => {
      const value = env[variable];
      if (value !== undefined) return value;
      if (fallback !== undefined) return fallback;
      const position = lineCounter(offset);
      warnings.push({
        path: '',
        message: `environment variable ${variable} is not set; ${whole} became an empty string`,
        line: position.line,
        column: position.col,
        severity: 'warning',
      });
      return '';
    },
  );
}

function positionOf(
  document: Document,
  lineCounter: LineCounter,
  path: ConfigPath,
  keyOnly = false,
): { line?: number; column?: number } {
  // Walk down as far as the document goes; report the deepest node that exists.
  let node: unknown = document.contents;
  let offset: number | undefined = (node as Node | null)?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (item.key as { value?: unknown } | null)?.value === segment);
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
      if (!keyOnly) offset = (node as Node | null)?.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
      offset = (node as Node | null)?.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  if (offset === undefined) return {};
  const position = lineCounter.linePos(offset);
  return { line: position.line, column: position.col };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const segment of path) node = (node as Record<PropertyKey, unknown> | null | undefined)?.[segment];
  return node;
}

function describeZodIssue(issue: z.core.$ZodIssue, raw: unknown): string {
  const params = (issue as { params?: { unknownName?: string; candidates?: string[] } }).params;
  if (params?.unknownName && params.candidates)
    return `${issue.message}${didYouMean(params.unknownName, params.candidates)}`;
  if (issue.code === 'invalid_type') {
    const received = valueAt(raw, issue.path);
    const kind =
      received === undefined
        ? 'nothing'
        : received === null
          ? 'null'
          : Array.isArray(received)
            ? 'a list'
            : typeof received;
    return `expected ${issue.expected}, got ${kind}`;
  }
  if (issue.code === 'invalid_union') {
    return 'not a valid rule: expected a condition {type, name} or a node {operator, conditions}';
  }
  return issue.message;
}

function deleteAt(root: unknown, path: readonly PropertyKey[], key: string): void {
  let node = root as Record<PropertyKey, unknown> | undefined;
  for (const segment of path) node = node?.[segment] as Record<PropertyKey, unknown> | undefined;
  if (node && typeof node === 'object') delete node[key];
}

/**
 * Parses and validates a v0.3 configuration document. Throws {@link ConfigError} carrying every
 * error found; returns warnings alongside the config.
 */
export function parseRouterConfig(text: string, options: ParseRouterConfigOptions = {}): ParsedRouterConfig {
  const warnings: ConfigIssue[] = [];
  const errors: ConfigIssue[] = [];
  const rawLines = new LineCounter();
  parseDocument(text, { lineCounter: rawLines });
  const substituted = substituteEnv(text, options.env ?? {}, (offset) => rawLines.linePos(offset), warnings);

  const lineCounter = new LineCounter();
  const document = parseDocument(substituted, { lineCounter, prettyErrors: false, uniqueKeys: true });
  for (const error of document.errors) {
    const position = lineCounter.linePos(error.pos[0]);
    errors.push({
      path: '',
      message: `YAML syntax error: ${error.message.split('\n')[0]}`,
      line: position.line,
      column: position.col,
      severity: 'error',
    });
  }
  if (errors.length > 0)
    throw new ConfigError({ issues: errors, ...(options.source ? { source: options.source } : {}) });

  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // Unresolved aliases and alias bombs surface here rather than as parse errors.
    throw new ConfigError({
      issues: [{ path: '', message: `YAML error: ${(error as Error).message}`, severity: 'error' }],
      ...(options.source ? { source: options.source } : {}),
      cause: error,
    });
  }
  if (raw === null || raw === undefined) {
    throw new ConfigError({
      issues: [{ path: '', message: 'the document is empty', severity: 'error' }],
      ...(options.source ? { source: options.source } : {}),
    });
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError({
      issues: [
        {
          path: '',
          message: 'the document must be a mapping with version, providers, routing, ...',
          severity: 'error',
        },
      ],
      ...(options.source ? { source: options.source } : {}),
    });
  }
  const record = raw as Record<string, unknown>;
  if (record.version === undefined && LEGACY_KEYS.some((key) => key in record)) {
    throw new ConfigError({
      issues: [
        {
          path: 'version',
          message: 'this looks like a legacy v0.1 config; convert it with `semroute migrate <file>`',
          severity: 'error',
        },
      ],
      ...(options.source ? { source: options.source } : {}),
    });
  }

  const issueAt = (
    path: ConfigPath,
    message: string,
    severity: 'error' | 'warning',
    keyOnly = false,
  ): ConfigIssue => ({
    path: formatConfigPath(path),
    message,
    severity,
    ...positionOf(document, lineCounter, path, keyOnly),
  });

  // Unknown keys are warnings: strip them and validate again, so the rest is still checked.
  let result = routerConfigSchema.safeParse(raw);
  for (let attempt = 0; attempt < 50 && !result.success; attempt++) {
    const unknownKeyIssues = result.error.issues.filter((issue) => issue.code === 'unrecognized_keys');
    if (unknownKeyIssues.length === 0) break;
    for (const issue of unknownKeyIssues) {
      const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
      for (const key of (issue as { keys: string[] }).keys) {
        warnings.push(issueAt([...path, key], `unknown field "${key}" is ignored`, 'warning', true));
        deleteAt(raw, issue.path, key);
      }
    }
    result = routerConfigSchema.safeParse(raw);
  }
  if (!result.success) {
    const seen = new Set<string>();
    for (const issue of result.error.issues) {
      const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
      const formatted = issueAt(path, describeZodIssue(issue, raw), 'error');
      const signature = `${formatted.path}|${formatted.message}`;
      if (!seen.has(signature)) errors.push(formatted);
      seen.add(signature);
    }
    throw new ConfigError({ issues: errors, ...(options.source ? { source: options.source } : {}) });
  }

  for (const issue of checkConfigSemantics(result.data)) {
    const formatted = issueAt(issue.path, issue.message, issue.severity);
    (issue.severity === 'error' ? errors : warnings).push(formatted);
  }
  if (errors.length > 0)
    throw new ConfigError({ issues: errors, ...(options.source ? { source: options.source } : {}) });
  return { config: result.data, warnings };
}

/**
 * Validates an already-parsed object (e.g. from JSON or a management API call) with the same
 * checks as {@link parseRouterConfig}, without line numbers.
 */
export function validateRouterConfig(
  value: unknown,
  options: ParseRouterConfigOptions = {},
): ParsedRouterConfig {
  return parseRouterConfig(JSON.stringify(value ?? null), options);
}
