/**
 * The one tokenizer used by every backend that runs ONNX directly (onnxruntime-node and -web,
 * and transformers.js token classification): `@huggingface/tokenizers` over the folder's
 * `tokenizer.json` + `tokenizer_config.json`, so the ids equal what transformers.js produces for
 * the same folder. When the files are the standard BERT WordPiece pipeline, texts go through
 * {@link compileBertWordPiece}'s fast path, which gives the same ids and offsets and hands any
 * text it cannot prove it handles back to the library.
 *
 * @module
 */
import { importLib } from '../internal/import-lib.js';
import { compileBertWordPiece } from './bert-wordpiece.js';
import { alignTokens, type TokenOffsets } from './token-offsets.js';

/**
 * `auto` (default): the BERT WordPiece fast path where the tokenizer files allow it, the library
 * otherwise. `library`: always `@huggingface/tokenizers` (to rule the fast path out).
 */
export type TokenizerImplementation = 'auto' | 'library';

export interface EncodedText {
  readonly ids: readonly number[];
  /** Present when asked for: `[start, end)` per token, `-1` for special tokens. */
  readonly offsets?: TokenOffsets;
}

export interface TextTokenizer {
  /** Longest sequence the model accepts; longer inputs are truncated. */
  readonly maxLength: number;
  readonly padId: number;
  /** What encodes texts: the BERT WordPiece fast path (library for the texts it hands back), or the library. */
  readonly implementation: 'bert-wordpiece' | 'library';
  encode(text: string, options?: { readonly offsets?: boolean }): EncodedText;
}

interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[]; tokens: string[] };
  token_to_id(token: string): number | undefined;
}

/** Creates a tokenizer from parsed `tokenizer.json` / `tokenizer_config.json`. */
export async function createTextTokenizer(options: {
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  /** Upper bound from config (e.g. `max_position_embeddings`). */
  readonly maxLength?: number;
  readonly implementation?: TokenizerImplementation;
}): Promise<TextTokenizer> {
  const module = await importLib('@huggingface/tokenizers', () => import('@huggingface/tokenizers'));
  const Tokenizer = (module as unknown as { Tokenizer: new (json: object, config: object) => HfTokenizer })
    .Tokenizer;
  const tokenizer = new Tokenizer(options.tokenizerJson, options.tokenizerConfig);
  const configMax = Number(options.tokenizerConfig.model_max_length);
  const maxLength = Math.max(
    1,
    Math.min(
      Number.isFinite(configMax) && configMax > 0 && configMax < 1e7 ? configMax : 512,
      options.maxLength ?? Number.POSITIVE_INFINITY,
    ),
  );
  const addedTokens =
    (options.tokenizerJson.added_tokens as
      | { id: number; content: string; special?: boolean }[]
      | undefined) ?? [];
  const specialIds = new Set(addedTokens.filter((token) => token.special).map((token) => token.id));
  const padToken = String(options.tokenizerConfig.pad_token ?? '[PAD]');
  const padId = tokenizer.token_to_id(padToken) ?? 0;
  const model = options.tokenizerJson.model as { unk_token?: string } | undefined;
  const unkId = model?.unk_token !== undefined ? tokenizer.token_to_id(model.unk_token) : undefined;
  const fastPath =
    options.implementation === 'library'
      ? undefined
      : compileBertWordPiece(options.tokenizerJson, options.tokenizerConfig);

  return {
    maxLength,
    padId,
    implementation: fastPath ? 'bert-wordpiece' : 'library',
    encode(text, encodeOptions) {
      const wantOffsets = encodeOptions?.offsets ?? false;
      const fast = fastPath?.encode(text, { offsets: wantOffsets });
      let ids: number[];
      let tokens: string[] | undefined;
      let offsets = fast?.offsets;
      if (fast) {
        ids = fast.ids;
        tokens = fast.tokens;
      } else {
        ({ ids, tokens } = tokenizer.encode(text));
      }
      if (ids.length > maxLength) {
        // Keep a trailing special token (e.g. [SEP], </s>) when the post-processor added one.
        const last = ids.length - 1;
        const keepLast = specialIds.has(ids[last]!) && maxLength > 1;
        const head = keepLast ? maxLength - 1 : maxLength;
        const cut = <T>(items: readonly T[]): T[] =>
          keepLast ? [...items.slice(0, head), items[last]!] : items.slice(0, head);
        ids = cut(ids);
        if (offsets && keepLast && offsets[last * 2]! >= 0) {
          // The kept last token has a surface (an [UNK] word): the aligner places it right after
          // the cut, not where it was, so align the cut tokens as the library path does.
          tokens = fastPath?.encode(text, { tokens: true })?.tokens;
          offsets = undefined;
        }
        if (tokens) tokens = cut(tokens);
        if (offsets) {
          // Alignment runs left to right, so the kept tokens' offsets do not depend on the cut.
          const kept = new Int32Array(ids.length * 2);
          kept.set(offsets.subarray(0, head * 2));
          if (keepLast) kept.set(offsets.subarray(last * 2, last * 2 + 2), head * 2);
          offsets = kept;
        }
      }
      if (ids.length === 0) {
        // No tokens (empty text, no post-processor): the batch pads it with mask 0, so it pools
        // to nothing, exactly as transformers.js does.
        return wantOffsets ? { ids: [], offsets: new Int32Array(0) } : { ids: [] };
      }
      if (!wantOffsets) return { ids };
      if (offsets) return { ids, offsets };
      const finalIds = ids;
      return {
        ids,
        offsets: alignTokens(
          text,
          tokens!,
          (index) => specialIds.has(finalIds[index]!) && finalIds[index] !== unkId,
          (index) => finalIds[index] === unkId,
        ),
      };
    },
  };
}
