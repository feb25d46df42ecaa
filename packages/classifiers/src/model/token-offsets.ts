/**
 * Character offsets for tokens. `@huggingface/tokenizers` returns token strings but no offsets,
 * so we align each token's surface form against the text (case- and accent-insensitive).
 * Handles WordPiece (`##`), byte-level BPE (`Ġ`) and SentencePiece (`▁`) conventions.
 *
 * @module
 */

/** Offsets `[start, end)` in UTF-16 code units; special tokens get `[-1, -1]`. */
export type TokenOffsets = Int32Array;

const COMBINING = /\p{Mn}/gu;
const BOUNDARY = /[\s!-/:-@[-`{-~]/u;

interface FoldedText {
  readonly folded: string;
  /** Original index of each folded char. */
  readonly origin: Int32Array;
}

function fold(text: string): FoldedText {
  let folded = '';
  const origin: number[] = [];
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    const simple =
      char.charCodeAt(0) < 128
        ? char.toLowerCase()
        : char.normalize('NFD').replace(COMBINING, '').toLowerCase();
    for (let k = 0; k < simple.length; k++) origin.push(index);
    folded += simple;
  }
  return { folded, origin: Int32Array.from(origin) };
}

function surface(token: string): string {
  if (token.startsWith('##')) return token.slice(2);
  return token.replace(/^[Ġ▁]+/u, '').replace(/Ġ/gu, ' ');
}

/**
 * Aligns `tokens` to `text`. `special` tells which tokens have no surface (e.g. `[CLS]`);
 * `unknown` marks unknown-word tokens, which cover the next whole word.
 */
export function alignTokens(
  text: string,
  tokens: readonly string[],
  isSpecial: (index: number) => boolean,
  isUnknown: (index: number) => boolean,
): TokenOffsets {
  const { folded, origin } = fold(text);
  const offsets = new Int32Array(tokens.length * 2).fill(-1);
  let cursor = 0;
  let foldedPosition = 0;
  for (let index = 0; index < tokens.length; index++) {
    if (isSpecial(index)) continue;
    if (isUnknown(index)) {
      let start = cursor;
      while (start < text.length && /\s/u.test(text[start]!)) start++;
      let end = start;
      if (end < text.length && BOUNDARY.test(text[end]!)) end++;
      else while (end < text.length && !BOUNDARY.test(text[end]!)) end++;
      if (end > start) {
        offsets[index * 2] = start;
        offsets[index * 2 + 1] = end;
        // advance the folded cursor to the first folded char at or after `end`
        while (foldedPosition < origin.length && origin[foldedPosition]! < end) foldedPosition++;
        cursor = end;
      }
      continue;
    }
    const piece = fold(surface(tokens[index]!).trim()).folded;
    if (piece.length === 0) continue;
    const found = folded.indexOf(piece, foldedPosition);
    if (found < 0) continue;
    const start = origin[found]!;
    const end = origin[found + piece.length - 1]! + 1;
    offsets[index * 2] = start;
    offsets[index * 2 + 1] = end;
    foldedPosition = found + piece.length;
    cursor = end;
  }
  return offsets;
}
