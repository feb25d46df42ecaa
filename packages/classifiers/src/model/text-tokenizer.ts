/**
 * The one tokenizer used by every backend that runs ONNX directly (onnxruntime-node and -web):
 * `@huggingface/tokenizers` over the folder's `tokenizer.json` + `tokenizer_config.json`, so the
 * ids equal what transformers.js produces for the same folder.
 *
 * @module
 */
import { importLib } from '../internal/import-lib.js';
import { alignTokens, type TokenOffsets } from './token-offsets.js';

export interface EncodedText {
  readonly ids: readonly number[];
  /** Present when asked for: `[start, end)` per token, `-1` for special tokens. */
  readonly offsets?: TokenOffsets;
}

export interface TextTokenizer {
  /** Longest sequence the model accepts; longer inputs are truncated. */
  readonly maxLength: number;
  readonly padId: number;
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

  return {
    maxLength,
    padId,
    encode(text, encodeOptions) {
      const encoded = tokenizer.encode(text);
      let ids = encoded.ids;
      let tokens = encoded.tokens;
      if (ids.length > maxLength) {
        // Keep a trailing special token (e.g. [SEP], </s>) when the post-processor added one.
        const last = ids.length - 1;
        if (specialIds.has(ids[last]!) && maxLength > 1) {
          ids = [...ids.slice(0, maxLength - 1), ids[last]!];
          tokens = [...tokens.slice(0, maxLength - 1), tokens[last]!];
        } else {
          ids = ids.slice(0, maxLength);
          tokens = tokens.slice(0, maxLength);
        }
      }
      if (ids.length === 0) {
        // No tokens (empty text, no post-processor): the batch pads it with mask 0, so it pools
        // to nothing, exactly as transformers.js does.
        return encodeOptions?.offsets ? { ids: [], offsets: new Int32Array(0) } : { ids: [] };
      }
      if (!encodeOptions?.offsets) return { ids };
      const finalIds = ids;
      const offsets = alignTokens(
        text,
        tokens,
        (index) => specialIds.has(finalIds[index]!) && finalIds[index] !== unkId,
        (index) => finalIds[index] === unkId,
      );
      return { ids, offsets };
    },
  };
}
