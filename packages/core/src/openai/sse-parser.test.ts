import { describe, expect, it } from 'vitest';
import { createSseParser } from './sse-parser.js';

const encoder = new TextEncoder();

describe('createSseParser', () => {
  it('parses events split at every byte, including a multi-byte character', () => {
    const body = 'data: {"a":"é€😀"}\n\n: keep-alive\n\nevent: error\ndata: x\ndata: y\n\ndata: [DONE]\n\n';
    const bytes = encoder.encode(body);
    const parser = createSseParser();
    const events = [];
    for (const byte of bytes) events.push(...parser.push(new Uint8Array([byte])));
    events.push(...parser.end());
    expect(events).toEqual([{ data: '{"a":"é€😀"}' }, { event: 'error', data: 'x\ny' }, { data: '[DONE]' }]);
  });

  it('accepts CRLF and CR line endings, even when CRLF is split across chunks', () => {
    const parser = createSseParser();
    const events = [...parser.push('data: one\r'), ...parser.push('\n\r\ndata: two\r\rdata:three\n\n')];
    expect(events).toEqual([{ data: 'one' }, { data: 'two' }, { data: 'three' }]);
  });

  it('flushes a final event without its blank line at end()', () => {
    const parser = createSseParser();
    expect(parser.push('id: 7\ndata: [DONE]')).toEqual([]);
    expect(parser.end()).toEqual([{ id: '7', data: '[DONE]' }]);
  });

  it('discards an event without its blank line at end() when asked (WHATWG rule)', () => {
    const parser = createSseParser({ incompleteEventAtEnd: 'discard' });
    expect(parser.push('data: a\n\ndata: [DONE]')).toEqual([{ data: 'a' }]);
    expect(parser.end()).toEqual([]);
  });
});
