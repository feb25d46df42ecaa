/**
 * Identity of a signal across the engine: leaf type plus config name.
 *
 * @module
 */

/** `type\u0000name`: unique per signal within one routing block. */
export function signalKey(type: string, name: string): string {
  return `${type}\u0000${name}`;
}

/**
 * Splits a leaf name into the signal it references and the label it requires. Complexity
 * leaves are written `name:hard|medium|easy`; other leaves name the signal directly.
 */
export function parseLeafName(
  type: string,
  name: string,
): { readonly signal: string; readonly level: string | undefined } {
  if (type === 'complexity') {
    const separator = name.lastIndexOf(':');
    if (separator > 0) return { signal: name.slice(0, separator), level: name.slice(separator + 1) };
  }
  return { signal: name, level: undefined };
}
