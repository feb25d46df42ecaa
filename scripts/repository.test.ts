/**
 * Repository invariants that CI enforces: install settings, core's dependency allowlist and
 * purity, and no `console.*` in library code.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(directory: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (path.endsWith('.ts') && !path.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

describe('repository', () => {
  it('.npmrc skips the onnxruntime-node postinstall (offline installs fail without it)', () => {
    expect(readFileSync(join(root, '.npmrc'), 'utf8')).toMatch(/^onnxruntime-node-install=skip$/m);
  });

  it('@semroute/core depends on zod and yaml only', () => {
    const manifest = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual(['yaml', 'zod']);
    expect(manifest.peerDependencies).toBeUndefined();
    expect(manifest.optionalDependencies).toBeUndefined();
  });

  it('@semroute/core source imports no node: modules and nothing beyond zod and yaml', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(join(root, 'packages/core/src'))) {
      if (file.includes(`${join('src', 'test')}`) || file.includes('platform')) continue;
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/from '([^']+)'/g)) {
        const specifier = match[1]!;
        if (specifier.startsWith('.') || specifier === 'zod' || specifier === 'yaml') continue;
        offenders.push(`${file.slice(root.length)} imports ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('library packages never print with console.*', () => {
    const offenders: string[] = [];
    for (const packageName of readdirSync(join(root, 'packages'))) {
      if (packageName === 'cli') continue;
      const source = join(root, 'packages', packageName, 'src');
      try {
        statSync(source);
      } catch {
        continue;
      }
      for (const file of sourceFiles(source)) {
        if (/\bconsole\.(log|error|warn|info|debug)\(/.test(readFileSync(file, 'utf8')))
          offenders.push(file.slice(root.length));
      }
    }
    expect(offenders).toEqual([]);
  });
});
