import { describe, expect, it } from 'vitest';
import type { KeywordSignalConfig } from '../config/router-config-schema.js';
import type { SignalInput } from '../spec/signal-extractor/v1/signal-extractor-v1.js';
import { buildSignalInput } from './build-signal-input.js';
import { createKeywordSignal } from './keyword-signal.js';

function keyword(overrides: Partial<KeywordSignalConfig> & { keywords: string[] }): KeywordSignalConfig {
  return {
    name: 'k',
    operator: 'OR',
    case_sensitive: false,
    fuzzy_match: false,
    fuzzy_threshold: 2,
    ...overrides,
  } as KeywordSignalConfig;
}

function input(text: string): SignalInput {
  return buildSignalInput({ model: 'auto', messages: [{ role: 'user', content: text }] }, {});
}

function run(config: KeywordSignalConfig, text: string) {
  return createKeywordSignal(config).extract(input(text), {});
}

describe('keyword signal', () => {
  it('scores confidence 0.5 + 0.5 × matched / total, as the reference router', () => {
    const config = keyword({ keywords: ['plaintiff', 'statute', 'tort', 'indemnify'] });
    expect(run(config, 'The plaintiff cited a statute.')).toEqual({
      status: 'matched',
      confidence: 0.75,
      evidence: ['plaintiff', 'statute'],
    });
    expect(run(config, 'A tort.')).toMatchObject({ status: 'matched', confidence: 0.625 });
    expect(run(config, 'plaintiff statute tort indemnify')).toMatchObject({ confidence: 1 });
    expect(run(config, 'nothing legal here')).toEqual({ status: 'unmatched', confidence: 0 });
  });

  it('AND needs every keyword; NOR matches when none occurs', () => {
    const and = keyword({ operator: 'AND', keywords: ['urgent', 'invoice'] });
    expect(run(and, 'urgent: pay the invoice')).toMatchObject({ status: 'matched', confidence: 1 });
    expect(run(and, 'urgent: call me')).toMatchObject({ status: 'unmatched' });
    const nor = keyword({ operator: 'NOR', keywords: ['password', 'secret'] });
    expect(run(nor, 'hello there')).toMatchObject({ status: 'matched', confidence: 1 });
    expect(run(nor, 'my secret')).toMatchObject({ status: 'unmatched' });
  });

  it('respects word boundaries for literals, also next to punctuation and non-Latin letters', () => {
    const config = keyword({ keywords: ['cat', 'c++', 'x^2'] });
    expect(run(config, 'category theory')).toMatchObject({ status: 'unmatched' });
    expect(run(config, 'the cat, sat')).toMatchObject({ evidence: ['cat'] });
    expect(run(config, 'I write C++ daily')).toMatchObject({ evidence: ['c++'] });
    expect(run(config, 'solve x^2=4')).toMatchObject({ evidence: ['x^2'] });
    expect(run(config, 'catégorie')).toMatchObject({ status: 'unmatched' });
  });

  it('matches CJK keywords inside unsegmented text', () => {
    const config = keyword({ keywords: ['数学', '積分'] });
    expect(run(config, '请帮我解决这个数学问题')).toMatchObject({ status: 'matched', evidence: ['数学'] });
    expect(run(config, 'この積分を計算して')).toMatchObject({ evidence: ['積分'] });
  });

  it('is case-insensitive by default and case-sensitive on request', () => {
    expect(run(keyword({ keywords: ['URGENT'] }), 'this is urgent')).toMatchObject({ status: 'matched' });
    expect(run(keyword({ keywords: ['URGENT'], case_sensitive: true }), 'this is urgent')).toMatchObject({
      status: 'unmatched',
    });
    expect(run(keyword({ keywords: ['URGENT'], case_sensitive: true }), 'this is URGENT')).toMatchObject({
      status: 'matched',
    });
  });

  it('finds overlapping keywords (each counts once)', () => {
    const config = keyword({ keywords: ['step by step', 'step', 'by step'] });
    expect(run(config, 'go step by step, step')).toMatchObject({
      confidence: 1,
      evidence: ['step by step', 'step', 'by step'],
    });
  });

  it('supports regex keywords', () => {
    const config = keyword({ method: 'regex', keywords: ['\\bCVE-\\d{4}-\\d+\\b', '^hi'] });
    expect(run(config, 'patch CVE-2024-3094 now')).toMatchObject({ status: 'matched', confidence: 0.75 });
    expect(run(config, 'no ids')).toMatchObject({ status: 'unmatched' });
  });

  it('supports fuzzy matching within the Levenshtein threshold', () => {
    const config = keyword({ keywords: ['integral', 'probability'], fuzzy_match: true, fuzzy_threshold: 2 });
    expect(run(config, 'compute the integrl')).toMatchObject({ status: 'matched', evidence: ['integral'] });
    expect(run(config, 'probabilty of rain')).toMatchObject({ evidence: ['probability'] });
    expect(run(config, 'internet affairs')).toMatchObject({ status: 'unmatched' });
  });

  it('supports BM25 and n-gram methods with thresholds', () => {
    const bm25 = keyword({ method: 'bm25', keywords: ['kubernetes', 'pod scheduling'] });
    expect(run(bm25, 'Kubernetes pod scheduling is failing')).toMatchObject({
      status: 'matched',
      confidence: 1,
    });
    expect(run(bm25, 'my pod is fine')).toMatchObject({ status: 'unmatched' });
    const ngram = keyword({ method: 'ngram', keywords: ['authentication'] });
    expect(run(ngram, 'authentification fails')).toMatchObject({ status: 'matched' });
    expect(run(ngram, 'the weather today')).toMatchObject({ status: 'unmatched' });
  });

  it('handles hundreds of keywords and very long prompts', () => {
    const keywords = Array.from({ length: 500 }, (_, index) => `term${index}`);
    const config = keyword({ keywords });
    const text = `${'lorem ipsum dolor sit amet '.repeat(20_000)} term7 and term499`;
    expect(run(config, text)).toMatchObject({
      status: 'matched',
      evidence: ['term7', 'term499'],
      confidence: 0.5 + 0.5 * (2 / 500),
    });
  });
});
