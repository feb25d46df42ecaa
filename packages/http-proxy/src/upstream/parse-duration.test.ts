import { describe, expect, it } from 'vitest';
import { parseDurationMs } from './parse-duration.js';

describe('parseDurationMs', () => {
  it.each([
    ['30s', 30_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1.5s', 1_500],
    ['10', 10_000],
  ])('%s = %i ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
  it.each(['', 'soon', '10x', '5s later'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});
