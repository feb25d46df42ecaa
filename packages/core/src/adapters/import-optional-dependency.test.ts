import { describe, expect, it } from 'vitest';
import { DependencyNotInstalledError } from '../errors/dependency-not-installed-error.js';
import { importOptionalDependency } from './import-optional-dependency.js';

describe('importOptionalDependency', () => {
  it('turns an unresolvable module into DependencyNotInstalledError with an install hint', async () => {
    const error = await importOptionalDependency(
      'surely-not-installed-xyz',
      '^1.2.3',
      () => import('surely-not-installed-xyz' as string),
    ).catch((caught: unknown) => caught);
    expect(DependencyNotInstalledError.isInstance(error)).toBe(true);
    expect((error as DependencyNotInstalledError).packageName).toBe('surely-not-installed-xyz');
    expect((error as Error).message).toBe(
      'surely-not-installed-xyz is not installed; run `pnpm add surely-not-installed-xyz@"^1.2.3"`',
    );
  });

  it('returns the module, and passes other errors through', async () => {
    await expect(importOptionalDependency('yaml', '^2', () => import('yaml'))).resolves.toHaveProperty(
      'parse',
    );
    const boom = new Error('init failed');
    await expect(importOptionalDependency('x', '1', () => Promise.reject(boom))).rejects.toBe(boom);
  });
});
