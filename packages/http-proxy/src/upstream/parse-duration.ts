/**
 * Parses Go-style durations as written in configs (`30s`, `500ms`, `1m30s`, `2h`) into ms.
 *
 * @module
 */

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Duration in ms, or undefined when the text is not a duration. A bare number means seconds. */
export function parseDurationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const pattern = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let match = pattern.exec(trimmed); match; match = pattern.exec(trimmed)) {
    total += Number(match[1]) * UNITS[match[2]!]!;
    consumed = pattern.lastIndex;
  }
  return consumed > 0 && consumed === trimmed.length ? total : undefined;
}
