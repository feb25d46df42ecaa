/**
 * The config lifecycle behind `/config/router` and hot reload: the current document with its
 * ETag, validation, atomic update (validate → build → write → swap), rollback to a kept
 * version, and a debounced file watcher. Failures are results (`invalid`, `conflict`), never
 * a half-applied state: the running router stays until a new one is fully built.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { watch as watchFile } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  type Clock,
  ConfigError,
  type ConfigIssue,
  type Logger,
  type ParsedRouterConfig,
  parseRouterConfig,
  type Router,
  silentLogger,
  systemClock,
  toSemrouteError,
} from '@semroute/core';
import { createReloadableRouter, type ReloadableRouter } from './reloadable-router.js';

/** Where a version came from. */
export type ConfigVersionSource = 'initial' | 'api' | 'file' | 'rollback';

export interface ConfigVersion {
  /** 1, 2, 3... in order of activation. */
  readonly id: number;
  /** Strong ETag of the document, quoted (`"ab12..."`). */
  readonly etag: string;
  /** The YAML document. */
  readonly text: string;
  readonly source: ConfigVersionSource;
  /** Wall-clock Unix ms of activation. */
  readonly activatedAt: number;
  readonly warnings: readonly ConfigIssue[];
}

export type ConfigVersionInfo = Omit<ConfigVersion, 'text' | 'warnings'> & { readonly active: boolean };

export interface ConfigValidation {
  readonly valid: boolean;
  readonly errors: readonly ConfigIssue[];
  readonly warnings: readonly ConfigIssue[];
}

export type ConfigChangeResult =
  | { readonly status: 'applied'; readonly version: ConfigVersion }
  | { readonly status: 'unchanged'; readonly version: ConfigVersion }
  | {
      readonly status: 'invalid';
      readonly errors: readonly ConfigIssue[];
      readonly warnings: readonly ConfigIssue[];
    }
  | { readonly status: 'conflict'; readonly etag: string }
  | { readonly status: 'not_found' };

export interface CreateConfigManagerOptions {
  /** Config file to read, write and watch. Without it the manager keeps versions in memory only. */
  readonly path?: string;
  /** Initial document when there is no `path` (or to use instead of reading it). */
  readonly text?: string;
  /** Builds a router for a validated config (the host wires signal providers and caches here). */
  readonly buildRouter: (parsed: ParsedRouterConfig) => Promise<Router>;
  /** `${VAR}` substitution source; pass `process.env` in hosts. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Versions kept for rollback (default 10). */
  readonly maxVersions?: number;
  /** Drain timeout for retired routers, ms (default 30,000). */
  readonly drainTimeoutMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Called after each activation and each rejected reload; feeds the reload metric. */
  readonly onReload?: (event: {
    readonly result: 'applied' | 'rejected';
    readonly source: ConfigVersionSource;
  }) => void;
}

export interface ConfigManager {
  /** The router every host should be given: swaps atomically on each activation. */
  readonly router: ReloadableRouter;
  /** The active version. */
  current(): ConfigVersion;
  /** Kept versions, newest first. */
  versions(): readonly ConfigVersionInfo[];
  /** Parses and validates a document without applying it. */
  validate(text: string): ConfigValidation;
  /**
   * Validates, builds, writes (atomically, keeping `<file>.bak`) and swaps. With `ifMatch` the
   * change applies only when it equals the active ETag (`*` matches anything).
   */
  update(
    text: string,
    options?: { readonly ifMatch?: string; readonly source?: ConfigVersionSource },
  ): Promise<ConfigChangeResult>;
  /** Re-activates a kept version (default: the one before the active one). */
  rollback(options?: { readonly toVersion?: number; readonly ifMatch?: string }): Promise<ConfigChangeResult>;
  /** Reads the file and applies it when it changed. */
  reloadFromFile(): Promise<ConfigChangeResult>;
  /** Watches the file and reloads on change, debounced. Returns a stop function. */
  watch(options?: { readonly debounceMs?: number }): () => void;
  /** Stops watching and closes the router. */
  close(): Promise<void>;
}

/** Strong ETag of a config document. */
export function configEtag(text: string): string {
  return `"${createHash('sha256').update(text).digest('hex').slice(0, 32)}"`;
}

function etagMatches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((value) => value.trim().replace(/^W\//, ''))
    .some((value) => value === '*' || value === etag);
}

export async function createConfigManager(options: CreateConfigManagerOptions): Promise<ConfigManager> {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const maxVersions = options.maxVersions ?? 10;
  const path = options.path;
  const env = options.env ?? {};
  const source = path ? basename(path) : 'config';
  let versions: ConfigVersion[] = [];
  let nextId = 1;
  let mutex: Promise<unknown> = Promise.resolve();
  const stopWatchers = new Set<() => void>();

  function parse(text: string): ParsedRouterConfig {
    return parseRouterConfig(text, { source, env });
  }

  function validate(text: string): ConfigValidation {
    try {
      const parsed = parse(text);
      return { valid: true, errors: [], warnings: parsed.warnings };
    } catch (error) {
      if (ConfigError.isInstance(error)) return { valid: false, errors: error.issues, warnings: [] };
      throw error;
    }
  }

  function record(
    text: string,
    versionSource: ConfigVersionSource,
    warnings: readonly ConfigIssue[],
  ): ConfigVersion {
    const version: ConfigVersion = {
      id: nextId++,
      etag: configEtag(text),
      text,
      source: versionSource,
      activatedAt: clock.wallNow(),
      warnings,
    };
    versions = [version, ...versions].slice(0, maxVersions);
    return version;
  }

  /** Parses and builds; rejects with ConfigError (invalid) or the build error. */
  async function build(text: string): Promise<{ router: Router; parsed: ParsedRouterConfig }> {
    const parsed = parse(text);
    return { router: await options.buildRouter(parsed), parsed };
  }

  async function writeAtomically(text: string, previous: string | undefined): Promise<void> {
    if (!path) return;
    if (previous !== undefined) await writeFile(`${path}.bak`, previous, 'utf8');
    const temporary = `${path}.tmp-${process.pid}-${nextId}`;
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, path);
  }

  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const next = mutex.then(task, task);
    mutex = next.catch(() => undefined);
    return next;
  }

  const initialText = options.text ?? (path ? await readFile(path, 'utf8') : undefined);
  if (initialText === undefined) throw new TypeError('createConfigManager needs `path` or `text`');
  const initial = await build(initialText);
  const router = await createReloadableRouter({
    load: async () => initial.router,
    logger,
    ...(options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
  });
  record(initialText, 'initial', initial.parsed.warnings);

  async function activate(
    text: string,
    versionSource: ConfigVersionSource,
    write: boolean,
  ): Promise<ConfigChangeResult> {
    const current = versions[0]!;
    let built: { router: Router; parsed: ParsedRouterConfig };
    try {
      built = await build(text);
    } catch (error) {
      options.onReload?.({ result: 'rejected', source: versionSource });
      if (ConfigError.isInstance(error)) {
        logger.warn(
          { source: versionSource, errors: error.issues.length },
          'config rejected; keeping the running one',
        );
        return { status: 'invalid', errors: error.issues, warnings: [] };
      }
      const message = toSemrouteError(error).message;
      logger.warn({ source: versionSource, err: message }, 'router build failed; keeping the running one');
      return { status: 'invalid', errors: [{ path: '', message, severity: 'error' }], warnings: [] };
    }
    if (write) {
      try {
        await writeAtomically(text, current.text);
      } catch (error) {
        await built.router.close();
        throw error;
      }
    }
    await router.swap(built.router);
    const version = record(text, versionSource, built.parsed.warnings);
    options.onReload?.({ result: 'applied', source: versionSource });
    logger.info({ version: version.id, source: versionSource }, 'config activated');
    return { status: 'applied', version };
  }

  const manager: ConfigManager = {
    router,
    current: () => versions[0]!,
    versions: () =>
      versions.map(({ text: _text, warnings: _warnings, ...info }, index) => ({
        ...info,
        active: index === 0,
      })),
    validate,
    update(text, updateOptions = {}) {
      return exclusive(async () => {
        const current = versions[0]!;
        if (updateOptions.ifMatch !== undefined && !etagMatches(updateOptions.ifMatch, current.etag))
          return { status: 'conflict', etag: current.etag } as const;
        if (configEtag(text) === current.etag) return { status: 'unchanged', version: current } as const;
        return activate(text, updateOptions.source ?? 'api', true);
      });
    },
    rollback(rollbackOptions = {}) {
      return exclusive(async () => {
        const current = versions[0]!;
        if (rollbackOptions.ifMatch !== undefined && !etagMatches(rollbackOptions.ifMatch, current.etag))
          return { status: 'conflict', etag: current.etag } as const;
        const target =
          rollbackOptions.toVersion !== undefined
            ? versions.find((version) => version.id === rollbackOptions.toVersion)
            : versions.find((version) => version.etag !== current.etag);
        if (!target || target === current) return { status: 'not_found' } as const;
        return activate(target.text, 'rollback', true);
      });
    },
    reloadFromFile() {
      return exclusive(async () => {
        if (!path) return { status: 'unchanged', version: versions[0]! } as const;
        const text = await readFile(path, 'utf8');
        // Our own writes come back through the watcher: same ETag, nothing to do.
        if (configEtag(text) === versions[0]!.etag)
          return { status: 'unchanged', version: versions[0]! } as const;
        return activate(text, 'file', false);
      });
    },
    watch(watchOptions = {}) {
      if (!path) return () => {};
      const debounceMs = watchOptions.debounceMs ?? 500;
      let timer: ReturnType<typeof setTimeout> | undefined;
      // Watch the directory, and react to any entry: editors replace the file by rename, and a
      // Kubernetes ConfigMap volume swaps a `..data` symlink, never touching `config.yaml` itself.
      // Spurious events are cheap: an unchanged ETag is a no-op.
      const watcher = watchFile(dirname(path), () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          timer = undefined;
          manager.reloadFromFile().catch((error: unknown) => {
            logger.warn({ err: toSemrouteError(error).message }, 'config file reload failed');
          });
        }, debounceMs);
      });
      watcher.on('error', (error) => logger.warn({ err: error.message }, 'config watcher error'));
      const stop = () => {
        if (timer) clearTimeout(timer);
        watcher.close();
        stopWatchers.delete(stop);
      };
      stopWatchers.add(stop);
      return stop;
    },
    async close() {
      for (const stop of [...stopWatchers]) stop();
      await mutex;
      await router.close();
    },
  };
  return manager;
}
