import { hasMarker, SemrouteError } from './semroute-error.js';

const MARKER = Symbol.for('semroute.error.ConfigError');

/** One problem found in a configuration document. */
export interface ConfigIssue {
  /** YAML path in dotted/bracket form, e.g. `routing.decisions[3].rules.conditions[0].name`. */
  readonly path: string;
  /** What is wrong, for a human. */
  readonly message: string;
  /** 1-based line in the source document, when known. */
  readonly line?: number;
  /** 1-based column in the source document, when known. */
  readonly column?: number;
  /** `error` makes the config invalid; `warning` is reported but accepted (e.g. unknown fields). */
  readonly severity: 'error' | 'warning';
}

/** Formats one issue as `path (line L, col C): message`. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const where =
    issue.line !== undefined
      ? ` (line ${issue.line}${issue.column !== undefined ? `, col ${issue.column}` : ''})`
      : '';
  return `${issue.path || '<root>'}${where}: ${issue.message}`;
}

/** A configuration document is invalid. Carries every error found, not just the first. */
export class ConfigError extends SemrouteError {
  readonly [MARKER] = true;
  /** Every error-severity issue, in document order. */
  readonly issues: readonly ConfigIssue[];
  /** Source file, when the config was loaded from one. */
  readonly source: string | undefined;

  constructor(options: { issues: readonly ConfigIssue[]; source?: string; cause?: unknown }) {
    const errors = options.issues.filter((issue) => issue.severity === 'error');
    const head = options.source ? `invalid config ${options.source}` : 'invalid config';
    super(`${head}: ${errors.map(formatConfigIssue).join('; ')}`, {
      code: 'invalid_config',
      cause: options.cause,
    });
    this.name = 'ConfigError';
    this.issues = errors;
    this.source = options.source;
  }

  static override isInstance(value: unknown): value is ConfigError {
    return hasMarker(value, MARKER);
  }
}
