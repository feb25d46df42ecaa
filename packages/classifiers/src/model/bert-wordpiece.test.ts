import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hasDataset, readDomainDataset, readJailbreakDataset, readPiiDataset } from '../build/datasets.js';
import { wordPieceTokenizerJson } from '../build/hf-layout.js';
import { compileBertWordPiece } from './bert-wordpiece.js';
import { createTextTokenizer, type TextTokenizer } from './text-tokenizer.js';

/**
 * A WordPiece vocabulary with whole words, word-initial pieces and `##` continuations (the
 * default GloVe models have whole words only, so they would not exercise the greedy split).
 */
const SEED_WORDS = `the of and to in is that for it as with was on be by this are or from at an
which have not has but were can his they one all their there been if more when will would who so
no what its about into than them only other some time could these two may first then do any like
my now over such our man me even most made after also did many before must through back years
where much your way well down should because each just those people how too little state good very
make world still own see men work long get here between both life being under never day same
another know while last might us great old year off come since against go came right used take
three states himself few house use during without again place around however home small found
mrs thought went say part once general high upon school every don't does got united left number
course war until always away something fact though water less public put think almost hand enough
far took head yet government system better set told nothing night end why called didn't eyes find
going look asked later knew point next program city business give group toward young days let room
president side social given present several order national possible rather second face per among
form important often things looking early white case john become large big need four within felt
along children saw best church ever least power development light thing seemed family interest want
members mind country area others done turned although open god service certain kind problem began
different door thus help sense means whole matter perhaps itself york it's times law human line
above name example action company hands local show whether five history gave today either act feet
across taken past quite anything seen having death week experience body word half really field am
café naïve résumé straße 中文 日本 한국어 привет мир ελληνικά עברית العربية हिन्दी emoji 😀 𠀀 ﬁne İstanbul
derivative integral compute evaluate vaccine immune recognise inflation stagflation hamlet enzyme`
  .split(/\s+/)
  .filter(Boolean);

function syntheticVocabulary(lowercase: boolean): string[] {
  const vocabulary = new Set<string>();
  for (const raw of SEED_WORDS) {
    for (const word of lowercase ? [raw.toLowerCase()] : [raw, raw[0]!.toUpperCase() + raw.slice(1)]) {
      const points = [...word];
      if (points.length % 3 !== 0) vocabulary.add(word); // some whole words, not all
      for (let length = 1; length <= Math.min(4, points.length); length++)
        vocabulary.add(points.slice(0, length).join(''));
      for (let start = 1; start < points.length; start++)
        for (let length = 1; length <= 3 && start + length <= points.length; length++)
          vocabulary.add(`##${points.slice(start, start + length).join('')}`);
    }
  }
  // ASCII punctuation and digits, except a few left out to produce [UNK] for single characters.
  for (let code = 0x21; code < 0x7f; code++) {
    const char = String.fromCharCode(code);
    if (!/[a-zA-Z`~]/.test(char)) vocabulary.add(char);
  }
  for (let digit = 0; digit < 10; digit++) vocabulary.add(`##${digit}`);
  return [...vocabulary].sort();
}

type Variant = {
  readonly name: string;
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
  readonly maxLength?: number;
};

function variant(
  name: string,
  options: {
    readonly lowercase: boolean;
    readonly clsSep?: boolean;
    readonly normalizer?: Record<string, unknown>;
    readonly postProcessor?: unknown;
    readonly addedTokens?: readonly Record<string, unknown>[];
    readonly maxChars?: number;
    readonly maxLength?: number;
  },
): Variant {
  const json = wordPieceTokenizerJson(syntheticVocabulary(options.lowercase), {
    lowercase: options.lowercase,
    ...(options.clsSep ? { clsSep: true } : {}),
  });
  const model = json.model as Record<string, unknown>;
  const vocab = model.vocab as Record<string, number>;
  const added = [...(json.added_tokens as Record<string, unknown>[])];
  for (const extra of options.addedTokens ?? []) {
    vocab[extra.content as string] ??= Object.keys(vocab).length;
    added.push({ ...extra, id: vocab[extra.content as string] });
  }
  return {
    name,
    tokenizerJson: {
      ...json,
      added_tokens: added,
      ...(options.normalizer
        ? { normalizer: { ...(json.normalizer as object), ...options.normalizer } }
        : {}),
      ...(options.postProcessor !== undefined ? { post_processor: options.postProcessor } : {}),
      model: { ...model, max_input_chars_per_word: options.maxChars ?? 100 },
    },
    tokenizerConfig: { model_max_length: options.maxLength ?? 512 },
    ...(options.maxLength ? { maxLength: options.maxLength } : {}),
  };
}

const VARIANTS: readonly Variant[] = [
  variant('uncased (default GloVe models)', { lowercase: true }),
  variant('cased, strip_accents false (default PII model)', { lowercase: false }),
  variant('uncased + [CLS]/[SEP] template, 32 tokens (BERT/MiniLM exports)', {
    lowercase: true,
    clsSep: true,
    maxLength: 32,
  }),
  variant('uncased, strip_accents false', { lowercase: true, normalizer: { strip_accents: false } }),
  variant('cased, strip_accents true, BertProcessing', {
    lowercase: false,
    normalizer: { strip_accents: true },
    postProcessor: { type: 'BertProcessing', cls: ['[CLS]', 2], sep: ['[SEP]', 3] },
  }),
  variant('no clean_text, no CJK spacing, 8 chars per word', {
    lowercase: true,
    normalizer: { clean_text: false, handle_chinese_chars: false },
    maxChars: 8,
  }),
  variant('added tokens: normalised "Hello", special "madeup"', {
    lowercase: true,
    addedTokens: [
      { content: 'Hello', special: false, normalized: true },
      { content: 'madeup', special: true, normalized: false },
    ],
  }),
];

interface Pair {
  readonly fast: TextTokenizer;
  readonly library: TextTokenizer;
}

async function pairOf(item: Variant): Promise<Pair> {
  const options = {
    tokenizerJson: item.tokenizerJson,
    tokenizerConfig: item.tokenizerConfig,
    ...(item.maxLength ? { maxLength: item.maxLength } : {}),
  };
  return {
    fast: await createTextTokenizer(options),
    library: await createTextTokenizer({ ...options, implementation: 'library' }),
  };
}

function expectSame(pair: Pair, text: string): void {
  const fast = pair.fast.encode(text, { offsets: true });
  const library = pair.library.encode(text, { offsets: true });
  expect({ text, ids: fast.ids, offsets: [...fast.offsets!] }).toEqual({
    text,
    ids: library.ids,
    offsets: [...library.offsets!],
  });
  expect(pair.fast.encode(text).ids).toEqual(library.ids);
}

const pairs = new Map<string, Pair>();
beforeAll(async () => {
  for (const item of VARIANTS) pairs.set(item.name, await pairOf(item));
});

describe('compileBertWordPiece', () => {
  it('compiles every supported BERT configuration', () => {
    for (const item of VARIANTS) {
      expect(compileBertWordPiece(item.tokenizerJson, item.tokenizerConfig), item.name).toBeDefined();
      expect(pairs.get(item.name)!.fast.implementation).toBe('bert-wordpiece');
      expect(pairs.get(item.name)!.library.implementation).toBe('library');
    }
  });

  it('refuses configurations it does not reproduce exactly, so the library runs them', async () => {
    const base = VARIANTS[0]!.tokenizerJson;
    const model = base.model as Record<string, unknown>;
    const refused: Record<string, Record<string, unknown>> = {
      'normalizer sequence': { ...base, normalizer: { type: 'Sequence', normalizers: [] } },
      'no normalizer': { ...base, normalizer: null },
      'unknown normalizer option': { ...base, normalizer: { ...(base.normalizer as object), extra: 1 } },
      'whitespace pre-tokenizer': { ...base, pre_tokenizer: { type: 'Whitespace' } },
      'fused unknowns': { ...base, model: { ...model, fuse_unk: true } },
      'other subword prefix': { ...base, model: { ...model, continuing_subword_prefix: '@@' } },
      'unknown token missing': { ...base, model: { ...model, unk_token: '<unk>' } },
      'roberta post-processor': { ...base, post_processor: { type: 'RobertaProcessing' } },
      'pair sequence in single template': {
        ...base,
        post_processor: { type: 'TemplateProcessing', single: [{ Sequence: { id: 'B', type_id: 0 } }] },
      },
    };
    for (const [name, json] of Object.entries(refused)) {
      expect(compileBertWordPiece(json, {}), name).toBeUndefined();
      const tokenizer = await createTextTokenizer({ tokenizerJson: json, tokenizerConfig: {} }).catch(
        () => undefined,
      );
      if (tokenizer) expect(tokenizer.implementation, name).toBe('library');
    }
    expect(compileBertWordPiece(base, { do_lowercase_and_remove_accent: true })).toBeUndefined();
    expect(compileBertWordPiece(base, { remove_space: true })).toBeUndefined();
  });

  it('hands texts holding an added token back to the library', () => {
    const fast = compileBertWordPiece(VARIANTS[0]!.tokenizerJson, {})!;
    expect(fast.encode('tell me [CLS] now')).toBeUndefined();
    expect(fast.encode('[SEP]')).toBeUndefined();
    expect(fast.encode('tell me [cls] now')).toBeDefined();
    expect(fast.encode('tell me now')?.ids.length).toBeGreaterThan(2);
  });
});

describe('BERT WordPiece fast path = @huggingface/tokenizers (ids and offsets)', () => {
  it('on hand-picked edge cases', () => {
    const cases = [
      '',
      ' ',
      '\t\n\r',
      'Hello, World!',
      '  leading and trailing  ',
      "don't stop-believing (really) [ok] {x} <y> a|b ~c `d` ^e",
      'Write a short poem about the sea at night.',
      'caf\u00e9 cafe\u0301 NA\u00cfVE Stra\u00dfe \u0130stanbul \ufb01ne',
      '\u4e2d\u6587\u6d4b\u8bd5 mixed\u4e2dtext \ud840\udc00 astral',
      'emoji \ud83d\ude00 inside wo\ud83d\ude00rd',
      'ctrl\u0000chars\u0001here\u007f and \u000b vertical \u000c feed \u0085 nel',
      'nbsp\u00a0thin\u2009ideographic\u3000space zero\u200bwidth bom\ufeff',
      'lone \ud800 surrogate \udc00 and replacement \ufffd char',
      'a'.repeat(100),
      'a'.repeat(101),
      `${'\u00e9'.repeat(60)} ${'x\u0301'.repeat(60)}`,
      'tell me [CLS] now [UNK] and [PAD]',
      '[cls] lower-case [sep]',
      'Hello there, hello HELLO madeup madeupword',
      'word '.repeat(80),
      `${'the '.repeat(40)}zzzqqq`,
      '12,345.67 $100 50% x^3 + 2x = 0',
    ];
    for (const item of VARIANTS) for (const text of cases) expectSame(pairs.get(item.name)!, text);
  });

  it('on arbitrary strings built from tricky pieces (fast-check)', () => {
    const pieces = [
      'the',
      'The',
      'WORLD',
      'history',
      'xyz',
      'qq',
      'a',
      "'s",
      '-',
      '.',
      ',',
      '!',
      '[',
      ']',
      '[CLS]',
      '[UNK]',
      '[sep]',
      '#',
      '##',
      '0',
      '42',
      ' ',
      '  ',
      '\t',
      '\n',
      '\r\n',
      '\u000b',
      '\u000c',
      '\u0000',
      '\u0001',
      '\u007f',
      '\u0085',
      '\u00a0',
      '\u2003',
      '\u3000',
      '\u200b',
      '\ufeff',
      '\ufffd',
      '\u00e9',
      'e\u0301',
      '\u00c5',
      '\u0130',
      '\u00df',
      '\ufb01',
      '\u4e2d',
      '\u6587',
      '\uac00',
      '\u3042',
      '\ud840\udc00',
      '\ud83d\ude00',
      '\ud800',
      '\udc00',
      '\u00bf',
      '\u2014',
      '\u201c',
      '\u20ac',
      '\u00a9',
      'caf\u00e9',
      '\u043f\u0440\u0438\u0432\u0435\u0442',
      'Hello',
      'madeup',
      'a'.repeat(99),
      'b'.repeat(101),
    ];
    const text = fc.oneof(
      fc.array(fc.constantFrom(...pieces), { maxLength: 40 }).map((parts) => parts.join('')),
      fc.string({ unit: 'binary', maxLength: 60 }),
      fc.string({ unit: 'grapheme', maxLength: 60 }),
    );
    for (const item of VARIANTS) {
      const pair = pairs.get(item.name)!;
      fc.assert(
        fc.property(text, (value) => {
          expectSame(pair, value);
        }),
        { numRuns: 400, seed: 20261122 },
      );
    }
  });

  const datasets = hasDataset('domain') && hasDataset('jailbreak') && hasDataset('pii');
  it.skipIf(!datasets)(
    'on every text of the shared datasets (MMLU-Pro, jailbreak, PII)',
    async () => {
      const texts = [
        ...(await readDomainDataset()).map((row) => row.text),
        ...(await readJailbreakDataset()).map((row) => row.text),
        ...(await readPiiDataset()).map((row) => row.text),
      ];
      expect(texts.length).toBeGreaterThan(11_000);
      for (const name of [VARIANTS[0]!.name, VARIANTS[1]!.name, VARIANTS[2]!.name]) {
        const pair = pairs.get(name)!;
        for (const text of texts) expectSame(pair, text);
      }
      // The fast path itself answers almost all of them (only texts with `[CLS]`-like added tokens
      // written out go to the library), so the comparison above is not vacuous.
      const fast = compileBertWordPiece(VARIANTS[0]!.tokenizerJson, {})!;
      const answered = texts.filter((text) => fast.encode(text, { offsets: true }) !== undefined).length;
      expect(answered / texts.length).toBeGreaterThan(0.99);
    },
    120_000,
  );
});
