/**
 * A fast path for the standard BERT tokenizer pipeline (BertNormalizer → BertPreTokenizer →
 * WordPiece → optional [CLS]/[SEP] template), compiled from `tokenizer.json`.
 *
 * Contract: for every text it accepts, {@link BertWordPiece.encode} returns exactly the ids and
 * token strings that `@huggingface/tokenizers` (the library transformers.js uses) returns for
 * the same files, including that library's own quirks (it tests `\s` and CJK ranges per UTF-16
 * unit, and drops `\v`, `\f` and U+0085 as control characters). It returns `undefined` for a
 * text it cannot prove it handles identically (a text that contains an added token such as
 * `[CLS]` written out, or whose normalised form is one), and {@link compileBertWordPiece}
 * returns `undefined` for any configuration outside the exact supported one; the caller then
 * uses the library. Equality is checked by a differential test over real dataset texts and by
 * property-based fuzzing (`bert-wordpiece.test.ts`).
 *
 * Why: the library builds a dictionary splitter, several intermediate arrays and one string per
 * WordPiece candidate for every text, ≈ 40 µs for a short prompt; on the default GloVe models
 * that is more than the inference itself. Pure-ASCII text (most prompts) takes a single scan
 * with exact character offsets; other text goes through the same normalisation steps as the
 * library and a lookup-table WordPiece.
 *
 * @module
 */

/** `\p{P}` plus the ASCII symbol ranges, as the library's BertPreTokenizer defines punctuation. */
const PUNCTUATION = '\\p{P}\\u0021-\\u002F\\u003A-\\u0040\\u005B-\\u0060\\u007B-\\u007E';
const PRE_TOKEN_PATTERN = new RegExp(`[^\\s${PUNCTUATION}]+|[${PUNCTUATION}]`, 'gu');
const CONTROL = /^\p{Cc}|\p{Cf}|\p{Co}|\p{Cs}$/u;
const SINGLE_WHITESPACE = /^\s$/;
const NONSPACING_MARKS = /\p{Mn}/gu;
const SURROGATE = /[\uD800-\uDFFF]/;

/** ASCII character classes for the single-scan path. */
const ASCII_WORD = 0;
const ASCII_SPACE = 1;
const ASCII_PUNCTUATION = 2;
/** A C0 control (other than tab, LF, CR) or DEL: the normaliser deletes it, so not fast-pathed. */
const ASCII_CONTROL = 3;
const ASCII_CLASS = (() => {
  const table = new Uint8Array(128);
  for (let code = 0; code < 128; code++) {
    if (code === 9 || code === 10 || code === 13 || code === 32) table[code] = ASCII_SPACE;
    else if (code < 32 || code === 127) table[code] = ASCII_CONTROL;
    else if (
      (code >= 0x21 && code <= 0x2f) ||
      (code >= 0x3a && code <= 0x40) ||
      (code >= 0x5b && code <= 0x60) ||
      (code >= 0x7b && code <= 0x7e)
    )
      table[code] = ASCII_PUNCTUATION;
    else table[code] = ASCII_WORD;
  }
  return table;
})();

/** The library's CJK test, applied (as it does) to single UTF-16 units. */
function isChineseUnit(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0xf900 && code <= 0xfaff)
  );
}

export interface BertWordPieceEncoding {
  /** Token ids, after the post-processor (e.g. `[CLS] … [SEP]`). */
  readonly ids: number[];
  /** Token strings, present when asked for. */
  readonly tokens?: string[];
  /**
   * Exact `[start, end)` character offsets per token (`-1` for tokens without a surface), present
   * when asked for and the text took the ASCII path; otherwise the caller aligns `tokens`.
   */
  readonly offsets?: Int32Array;
}

export interface BertWordPiece {
  /**
   * Encodes one text; `undefined` when this text must go through the library instead.
   * `tokens`: also return token strings; `offsets`: also return offsets where the ASCII path can
   * (then `tokens` is returned too when they cannot, so the caller can align them).
   */
  encode(
    text: string,
    options?: { readonly tokens?: boolean; readonly offsets?: boolean },
  ): BertWordPieceEncoding | undefined;
}

interface AddedTokenJson {
  readonly id: number;
  readonly content: string;
  readonly special?: boolean;
  readonly normalized?: boolean;
}

interface NormalizerOptions {
  readonly cleanText: boolean;
  readonly chineseChars: boolean;
  readonly lowercase: boolean;
  readonly stripAccents: boolean;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Keys the library reads from each component; anything else means a configuration we do not know. */
function onlyKeys(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(value).every((key) => allowed.includes(key));
}

/** The BertNormalizer exactly as `@huggingface/tokenizers` implements it. */
function normalizeLikeLibrary(text: string, options: NormalizerOptions): string {
  let out = text;
  if (options.cleanText) {
    let cleaned = '';
    for (const char of out) {
      const code = char.charCodeAt(0);
      if (code === 0 || code === 0xfffd) continue;
      if (char !== '\t' && char !== '\n' && char !== '\r' && CONTROL.test(char)) continue;
      cleaned += SINGLE_WHITESPACE.test(char) ? ' ' : char;
    }
    out = cleaned;
  }
  if (options.chineseChars) {
    let spaced = '';
    for (let index = 0; index < out.length; index++) {
      const char = out[index]!;
      spaced += isChineseUnit(char.charCodeAt(0)) ? ` ${char} ` : char;
    }
    out = spaced;
  }
  if (options.lowercase) out = out.toLowerCase();
  if (options.stripAccents) out = out.normalize('NFD').replace(NONSPACING_MARKS, '');
  return out;
}

/**
 * Compiles the fast path, or returns `undefined` (with nothing thrown) when `tokenizer.json` /
 * `tokenizer_config.json` are not exactly the supported BERT configuration.
 */
export function compileBertWordPiece(
  tokenizerJson: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown>,
): BertWordPiece | undefined {
  const { normalizer, pre_tokenizer: preTokenizer, model, post_processor: postProcessor } = tokenizerJson;
  // Tokenizer-level switches the library applies before the normaliser.
  if (tokenizerConfig.remove_space === true || tokenizerConfig.do_lowercase_and_remove_accent) return;

  if (!isRecord(normalizer) || normalizer.type !== 'BertNormalizer') return;
  if (!onlyKeys(normalizer, ['type', 'clean_text', 'handle_chinese_chars', 'strip_accents', 'lowercase']))
    return;
  const lowercase = Boolean(normalizer.lowercase);
  const normalizerOptions: NormalizerOptions = {
    cleanText: Boolean(normalizer.clean_text),
    chineseChars: Boolean(normalizer.handle_chinese_chars),
    lowercase,
    // BertNormalizer: with lowercase, accents are stripped unless strip_accents is exactly false
    // (null follows lowercase); without lowercase, only when strip_accents is truthy.
    stripAccents: lowercase ? normalizer.strip_accents !== false : Boolean(normalizer.strip_accents),
  };

  if (!isRecord(preTokenizer) || preTokenizer.type !== 'BertPreTokenizer') return;

  if (!isRecord(model) || model.type !== 'WordPiece' || model.fuse_unk) return;
  if (model.continuing_subword_prefix !== '##' || typeof model.unk_token !== 'string') return;
  if (!isRecord(model.vocab)) return;
  const maxChars = model.max_input_chars_per_word ?? 100;
  if (typeof maxChars !== 'number' || !Number.isInteger(maxChars) || maxChars < 0) return;

  // The library's lookup tables: the vocabulary with every added token's content set on top.
  const tokensToIds = new Map<string, number>();
  for (const [token, id] of Object.entries(model.vocab)) {
    if (typeof id !== 'number' || !Number.isInteger(id)) return;
    tokensToIds.set(token, id);
  }
  const vocabUnkId = tokensToIds.get(model.unk_token);
  const added = tokenizerJson.added_tokens ?? [];
  if (!Array.isArray(added)) return;
  const addedById = new Map<string, number>();
  const specialIds = new Set<number>();
  /** Strings whose presence (raw or normalised) makes the library split there: not fast-pathed. */
  const addedKeys = new Set<string>();
  const normalizedContents: string[] = [];
  for (const entry of added as AddedTokenJson[]) {
    if (!isRecord(entry) || typeof entry.content !== 'string' || !Number.isInteger(entry.id)) return;
    if (entry.content.length === 0) return;
    tokensToIds.set(entry.content, entry.id);
    addedById.set(entry.content, entry.id);
    addedKeys.add(entry.content);
    if (entry.special) specialIds.add(entry.id);
    const normalized = entry.normalized ?? !entry.special;
    if (normalized) {
      const content = normalizeLikeLibrary(entry.content, normalizerOptions);
      if (content.length === 0) return;
      addedById.set(content, entry.id);
      addedKeys.add(content);
      normalizedContents.push(content);
    }
  }
  /** How the library maps an output token string to its id. */
  const finalId = (token: string): number | undefined =>
    addedById.get(token) ?? tokensToIds.get(token) ?? vocabUnkId;
  const unkId = finalId(model.unk_token);
  // The offset aligner tells [UNK] by the table id; keep the two notions one and the same.
  if (unkId === undefined || unkId !== tokensToIds.get(model.unk_token)) return;
  // One id per token string, so an id says which token it is (the aligner relies on that).
  if (new Set(tokensToIds.values()).size !== tokensToIds.size) return;

  // Post-processor: none, BertProcessing, or a TemplateProcessing of special tokens around A.
  const prefixTokens: string[] = [];
  const suffixTokens: string[] = [];
  if (postProcessor !== null && postProcessor !== undefined) {
    if (!isRecord(postProcessor)) return;
    if (postProcessor.type === 'TemplateProcessing') {
      const single = postProcessor.single;
      if (!Array.isArray(single)) return;
      let sawSequence = false;
      for (const item of single as unknown[]) {
        if (!isRecord(item)) return;
        if (isRecord(item.SpecialToken) && typeof item.SpecialToken.id === 'string') {
          (sawSequence ? suffixTokens : prefixTokens).push(item.SpecialToken.id);
        } else if (isRecord(item.Sequence)) {
          // The library only substitutes A (B is the pair's); two A's would repeat the text.
          if (item.Sequence.id !== 'A' || sawSequence) return;
          sawSequence = true;
        } else return;
      }
      if (!sawSequence) return;
    } else if (postProcessor.type === 'BertProcessing') {
      const { cls, sep } = postProcessor;
      if (!Array.isArray(cls) || !Array.isArray(sep)) return;
      if (typeof cls[0] !== 'string' || typeof sep[0] !== 'string') return;
      prefixTokens.push(cls[0]);
      suffixTokens.push(sep[0]);
    } else return;
  }
  const prefixIds: number[] = [];
  const suffixIds: number[] = [];
  for (const token of prefixTokens) {
    const id = finalId(token);
    if (id === undefined) return;
    prefixIds.push(id);
  }
  for (const token of suffixTokens) {
    const id = finalId(token);
    if (id === undefined) return;
    suffixIds.push(id);
  }

  // WordPiece tables: word-initial pieces, and continuation pieces keyed without their `##`.
  const wordIds = new Map<string, number>();
  const continuationIds = new Map<string, number>();
  let longestWordPiece = 0;
  let longestContinuation = 0;
  for (const token of tokensToIds.keys()) {
    const id = finalId(token)!;
    wordIds.set(token, id);
    longestWordPiece = Math.max(longestWordPiece, token.length);
    if (token.startsWith('##')) {
      const rest = token.slice(2);
      continuationIds.set(rest, id);
      longestContinuation = Math.max(longestContinuation, rest.length);
    }
  }
  /** Id of each single ASCII character as a whole word (punctuation fast path); -1 ⇒ [UNK]. */
  const asciiCharIds = new Int32Array(128).fill(-1);
  for (let code = 0; code < 128; code++) {
    const id = wordIds.get(String.fromCharCode(code));
    if (id !== undefined) asciiCharIds[code] = id;
  }
  const isSpecialId = (id: number) => specialIds.has(id) && id !== unkId;

  const addedFirstUnits = new Set<number>();
  const addedLengths = new Set<number>();
  for (const key of addedKeys) {
    addedFirstUnits.add(key.charCodeAt(0));
    addedLengths.add(key.length);
  }
  const containsAddedToken = (text: string): boolean => {
    for (const key of addedKeys) if (text.includes(key)) return true;
    return false;
  };

  /**
   * Greedy longest-match-first WordPiece of one pre-token, as the library does it (over code
   * points). Appends ids (and token strings). Returns false for an unknown word, appending
   * nothing: the caller emits [UNK].
   */
  const wordPiece = (word: string, ids: number[], tokens: string[] | undefined): boolean => {
    // The library splits by code point; only words with surrogate pairs need the slow split.
    const points = SURROGATE.test(word) ? [...word] : undefined;
    const length = points ? points.length : word.length;
    if (length > maxChars) return false;
    if (!points) {
      const whole = wordIds.get(word);
      if (whole !== undefined) {
        ids.push(whole);
        tokens?.push(word);
        return true;
      }
    }
    const mark = ids.length;
    const tokenMark = tokens?.length ?? 0;
    let start = 0;
    while (start < length) {
      const table = start === 0 ? wordIds : continuationIds;
      const longest = start === 0 ? longestWordPiece : longestContinuation;
      let end = points ? length : Math.min(length, start + longest);
      let found: number | undefined;
      let piece = '';
      while (start < end) {
        piece = points ? points.slice(start, end).join('') : word.slice(start, end);
        found = piece.length <= longest ? table.get(piece) : undefined;
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) {
        ids.length = mark;
        if (tokens) tokens.length = tokenMark;
        return false;
      }
      ids.push(found);
      tokens?.push(start === 0 ? piece : `##${piece}`);
      start = end;
    }
    return true;
  };

  /** Single scan of a pure-ASCII text without control characters: pre-tokens straight off the text. */
  const encodeAscii = (
    text: string,
    wantTokens: boolean,
    wantOffsets: boolean,
  ): BertWordPieceEncoding | undefined => {
    const source = lowercase ? text.toLowerCase() : text;
    // Normalised (tab/LF/CR → space) text equal to an added token: the library maps it whole.
    if (addedLengths.has(text.length)) {
      const normalized = normalizerOptions.cleanText ? source.replace(/[\t\n\r]/g, ' ') : source;
      if (addedKeys.has(normalized)) return;
    }
    if (normalizedContents.length > 0) {
      const normalized = normalizerOptions.cleanText ? source.replace(/[\t\n\r]/g, ' ') : source;
      for (const content of normalizedContents) if (normalized.includes(content)) return;
    }
    const ids: number[] = [...prefixIds];
    const tokens: string[] | undefined = wantTokens || wantOffsets ? [...prefixTokens] : undefined;
    const starts: number[] | undefined = wantOffsets ? prefixIds.map(() => -1) : undefined;
    const ends: number[] | undefined = wantOffsets ? prefixIds.map(() => -1) : undefined;
    const length = source.length;
    let index = 0;
    while (index < length) {
      const code = source.charCodeAt(index);
      const kind = ASCII_CLASS[code]!;
      if (kind === ASCII_SPACE) {
        index++;
        continue;
      }
      if (kind === ASCII_PUNCTUATION) {
        const id = asciiCharIds[code]!;
        ids.push(id >= 0 ? id : unkId);
        tokens?.push(id >= 0 ? source[index]! : (model.unk_token as string));
        starts?.push(index);
        ends?.push(index + 1);
        index++;
        continue;
      }
      let end = index + 1;
      while (end < length && ASCII_CLASS[source.charCodeAt(end)] === ASCII_WORD) end++;
      const word = source.slice(index, end);
      const before = ids.length;
      if (!wordPiece(word, ids, tokens)) {
        ids.push(unkId);
        tokens?.push(model.unk_token as string);
        starts?.push(index);
        ends?.push(end);
      } else if (starts && ends) {
        // Piece boundaries follow from the piece lengths (`##` excluded).
        let position = index;
        for (let k = before; k < ids.length; k++) {
          const piece = tokens![k]!;
          const width = k === before ? piece.length : piece.length - 2;
          starts.push(position);
          ends.push(position + width);
          position += width;
        }
      }
      index = end;
    }
    for (const [k, id] of suffixIds.entries()) {
      ids.push(id);
      tokens?.push(suffixTokens[k]!);
      starts?.push(-1);
      ends?.push(-1);
    }
    if (!starts || !ends) return tokens && wantTokens ? { ids, tokens } : { ids };
    const offsets = new Int32Array(ids.length * 2);
    for (let k = 0; k < ids.length; k++) {
      // Tokens without a surface (special ids other than [UNK]) have no offsets. A special id
      // from the text, or a template token that is not special, is placed by the aligner's
      // text search instead, so such a text goes to the general path (tokens, then aligned).
      if (isSpecialId(ids[k]!) !== starts[k]! < 0) return;
      if (starts[k]! < 0) {
        offsets[k * 2] = -1;
        offsets[k * 2 + 1] = -1;
      } else {
        offsets[k * 2] = starts[k]!;
        offsets[k * 2 + 1] = ends[k]!;
      }
    }
    return wantTokens ? { ids, tokens: tokens!, offsets } : { ids, offsets };
  };

  /** Any other text: the library's normalisation and pre-tokenisation, then table WordPiece. */
  const encodeGeneral = (text: string, wantTokens: boolean): BertWordPieceEncoding | undefined => {
    const normalized = normalizeLikeLibrary(text, normalizerOptions);
    if (addedKeys.has(normalized)) return;
    for (const content of normalizedContents) if (normalized.includes(content)) return;
    const ids: number[] = [...prefixIds];
    const tokens: string[] | undefined = wantTokens ? [...prefixTokens] : undefined;
    if (normalized.length > 0) {
      const words = normalized.trim().match(PRE_TOKEN_PATTERN) ?? [];
      for (const word of words) {
        if (!wordPiece(word, ids, tokens)) {
          ids.push(unkId);
          tokens?.push(model.unk_token as string);
        }
      }
    }
    ids.push(...suffixIds);
    tokens?.push(...suffixTokens);
    return tokens ? { ids, tokens } : { ids };
  };

  return {
    encode(text, options) {
      const wantTokens = options?.tokens ?? false;
      const wantOffsets = options?.offsets ?? false;
      let ascii = true;
      let mayHoldAddedToken = false;
      for (let index = 0; index < text.length; index++) {
        const code = text.charCodeAt(index);
        if (code >= 128 || ASCII_CLASS[code] === ASCII_CONTROL) ascii = false;
        if (addedFirstUnits.has(code)) mayHoldAddedToken = true;
      }
      // The library splits the raw text on added tokens first; such texts are left to it.
      if (mayHoldAddedToken && containsAddedToken(text)) return;
      if (ascii) {
        const encoded = encodeAscii(text, wantTokens, wantOffsets);
        if (encoded || !wantOffsets) return encoded;
      }
      return encodeGeneral(text, wantTokens || wantOffsets);
    },
  };
}
