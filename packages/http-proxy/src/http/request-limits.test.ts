import { describe, expect, it } from 'vitest';
import { jsonNestingDepth } from './request-limits.js';

describe('jsonNestingDepth', () => {
  it.each([
    ['{}', 1],
    ['{"a":[1,{"b":[]}]}', 4],
    ['{"a":"[[[[{{{{"}', 1],
    ['{"a":"\\"[[["}', 1],
    ['[]', 1],
    ['3', 0],
  ])('%s has depth %i', (text, depth) => {
    expect(jsonNestingDepth(text, 100)).toBe(depth);
  });
  it('stops at the limit', () => {
    expect(jsonNestingDepth('['.repeat(100_000), 64)).toBe(65);
  });
});
