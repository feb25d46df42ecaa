import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADAPTER_DEPENDENCIES } from './import-optional.js';

describe('ADAPTER_DEPENDENCIES', () => {
  it('matches the versions the package is developed and tested with, and none is a runtime dependency', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
      peerDependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const [name, range] of Object.entries(ADAPTER_DEPENDENCIES)) {
      expect(manifest.devDependencies[name], name).toBe(range);
      expect(manifest.dependencies[name], name).toBeUndefined();
      expect(manifest.peerDependencies?.[name], name).toBeUndefined();
      expect(manifest.optionalDependencies?.[name], name).toBeUndefined();
    }
  });
});
