/**
 * Writes a model folder in the Hugging Face layout that every backend loads: `config.json`,
 * `tokenizer.json`, `tokenizer_config.json`, `onnx/model.onnx`. Nothing in the loaders
 * special-cases folders written here; a real export in the same layout loads the same way.
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;
/** Table rows of the special tokens. */
export const PAD_ID = 0;
export const UNK_ID = 1;

export type ModelArchitecture = 'BertModel' | 'BertForSequenceClassification' | 'BertForTokenClassification';

/** A WordPiece tokenizer over whole words (no sub-word pieces), `[PAD] [UNK] [CLS] [SEP]` first. */
export function wordPieceTokenizerJson(
  vocabulary: readonly string[],
  options: { readonly lowercase: boolean; readonly clsSep?: boolean },
): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  SPECIAL_TOKENS.forEach((token, id) => {
    vocab[token] = id;
  });
  let next = SPECIAL_TOKENS.length;
  for (const word of vocabulary) if (!(word in vocab)) vocab[word] = next++;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: options.lowercase ? null : false,
      lowercase: options.lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    // No [CLS]/[SEP] for the GloVe models: they would dilute mean pooling over word vectors.
    // BERT-style models (clsSep) wrap every sequence as [CLS] … [SEP].
    post_processor: options.clsSep
      ? {
          type: 'TemplateProcessing',
          single: [
            { SpecialToken: { id: '[CLS]', type_id: 0 } },
            { Sequence: { id: 'A', type_id: 0 } },
            { SpecialToken: { id: '[SEP]', type_id: 0 } },
          ],
          pair: [
            { SpecialToken: { id: '[CLS]', type_id: 0 } },
            { Sequence: { id: 'A', type_id: 0 } },
            { SpecialToken: { id: '[SEP]', type_id: 0 } },
            { Sequence: { id: 'B', type_id: 1 } },
            { SpecialToken: { id: '[SEP]', type_id: 1 } },
          ],
          special_tokens: {
            '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
            '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
          },
        }
      : null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab,
    },
  };
}

export function tokenizerConfigJson(options: {
  readonly lowercase: boolean;
  readonly maxLength: number;
}): Record<string, unknown> {
  return {
    tokenizer_class: 'BertTokenizer',
    do_lower_case: options.lowercase,
    model_max_length: options.maxLength,
    clean_up_tokenization_spaces: true,
    unk_token: '[UNK]',
    pad_token: '[PAD]',
    cls_token: '[CLS]',
    sep_token: '[SEP]',
  };
}

export function modelConfigJson(options: {
  readonly architecture: ModelArchitecture;
  readonly labels?: readonly string[];
  readonly hiddenSize: number;
  readonly vocabSize: number;
  readonly maxLength: number;
  readonly extra?: Readonly<Record<string, unknown>>;
}): Record<string, unknown> {
  const config: Record<string, unknown> = {
    model_type: 'bert',
    architectures: [options.architecture],
    hidden_size: options.hiddenSize,
    vocab_size: options.vocabSize,
    max_position_embeddings: options.maxLength,
    pad_token_id: PAD_ID,
  };
  if (options.labels) {
    config.id2label = Object.fromEntries(options.labels.map((label, index) => [String(index), label]));
    config.label2id = Object.fromEntries(options.labels.map((label, index) => [label, index]));
  }
  if (options.architecture === 'BertForSequenceClassification')
    config.problem_type = 'single_label_classification';
  return { ...config, ...options.extra };
}

/** Writes one model folder; returns its path. */
export async function writeModelFolder(options: {
  readonly dir: string;
  readonly config: Record<string, unknown>;
  readonly tokenizer: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  readonly onnx: Uint8Array;
  readonly extraFiles?: Readonly<Record<string, string>>;
}): Promise<string> {
  await mkdir(join(options.dir, 'onnx'), { recursive: true });
  await writeFile(join(options.dir, 'config.json'), `${JSON.stringify(options.config, null, 2)}\n`);
  await writeFile(join(options.dir, 'tokenizer.json'), JSON.stringify(options.tokenizer));
  await writeFile(
    join(options.dir, 'tokenizer_config.json'),
    `${JSON.stringify(options.tokenizerConfig, null, 2)}\n`,
  );
  await writeFile(join(options.dir, 'onnx', 'model.onnx'), options.onnx);
  for (const [name, text] of Object.entries(options.extraFiles ?? {}))
    await writeFile(join(options.dir, name), text);
  return options.dir;
}
