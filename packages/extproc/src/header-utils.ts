/**
 * Header helpers for the ext_proc wire rules: read `raw_value` first and fall back to `value`
 * (older Envoys), and write `raw_value` only, never both, with `append_action =
 * OVERWRITE_IF_EXISTS_OR_ADD` and `append` left unset (the portable overwrite).
 *
 * @module
 */
import type { HeaderMap, HeaderMutation, HeaderValueOption } from './ext-proc-messages.js';

const decoder = new TextDecoder();

/** Lower-cased header record from an Envoy HeaderMap; repeated names are joined with `, `. */
export function headerMapToRecord(map: HeaderMap | null | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  if (!map?.headers) return record;
  for (const header of map.headers) {
    if (!header?.key) continue;
    const key = header.key.toLowerCase();
    const raw = header.raw_value;
    const value =
      raw && raw.length > 0
        ? Buffer.isBuffer(raw)
          ? raw.toString('utf8')
          : decoder.decode(raw)
        : (header.value ?? '');
    const previous = record[key];
    record[key] = previous === undefined ? value : `${previous}, ${value}`;
  }
  return record;
}

/** One overwrite-style HeaderValueOption carrying the value in `raw_value` only. */
export function rawHeader(key: string, value: string): HeaderValueOption {
  return {
    header: { key: key.toLowerCase(), raw_value: Buffer.from(value, 'utf8') },
    append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
  };
}

/** Names Envoy's default mutation rules silently ignore (or reject with disallow_is_error). */
export function isProtectedHeader(name: string): boolean {
  const key = name.toLowerCase();
  return (
    key === 'host' ||
    key === ':authority' ||
    key === ':scheme' ||
    key === ':method' ||
    key.startsWith('x-envoy-')
  );
}

/** A header name/value Envoy accepts (no control characters, no CR/LF/NUL, valid token chars in names). */
export function isValidHeader(name: string, value: string): boolean {
  if (!/^:?[!#$%&'*+\-.^_`|~0-9a-z]+$/.test(name)) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  return !/[\x00-\x08\x0a-\x1f\x7f]/.test(value);
}

/**
 * Builds a HeaderMutation from plain records, dropping names Envoy would ignore or reject
 * (system/`x-envoy-*` headers, invalid characters) so no reply can cost a 500.
 */
export function buildHeaderMutation(
  set: Readonly<Record<string, string>>,
  remove: readonly string[] = [],
): HeaderMutation {
  const setHeaders: HeaderValueOption[] = [];
  for (const [name, value] of Object.entries(set)) {
    const key = name.toLowerCase();
    if (isProtectedHeader(key) || !isValidHeader(key, value)) continue;
    setHeaders.push(rawHeader(key, value));
  }
  const removeHeaders = remove
    .map((name) => name.toLowerCase())
    .filter((name) => !isProtectedHeader(name) && !name.startsWith(':'));
  return { set_headers: setHeaders, remove_headers: removeHeaders };
}

/** UTF-8 bytes of a string (a Buffer: protobufjs copies those fastest). */
export function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** Decodes UTF-8 bytes. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
