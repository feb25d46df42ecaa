/**
 * Lazy loading of an adapter's heavy optional library (conventions §2 rule 5): the adapter
 * imports it only when created, and a missing package becomes a `DependencyNotInstalledError`
 * with an install hint instead of a bare module-resolution error.
 *
 * @module
 */
import { DependencyNotInstalledError } from '../errors/dependency-not-installed-error.js';

/**
 * Runs `load` (an `import()` of `name`); when the module cannot be resolved, rejects with
 * {@link DependencyNotInstalledError} saying `pnpm add <name>@"<range>"`. Other errors pass
 * through unchanged.
 */
export async function importOptionalDependency<T>(
  name: string,
  range: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: string } | undefined)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new DependencyNotInstalledError({
        message: `${name} is not installed; run \`pnpm add ${name}@"${range}"\``,
        packageName: name,
        cause: error,
      });
    }
    throw error;
  }
}
