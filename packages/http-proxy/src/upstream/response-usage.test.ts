import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStreamUsageTap, usageOfCompletionText } from './response-usage.js';

const usage = { prompt_tokens: 12, completion_tokens: 34, total_tokens: 46 };

function completion(content: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'c',
    object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    ...extra,
  };
}

describe('usageOfCompletionText', () => {
  it('reads usage after choices, with nested details and braces or the key inside the answer', () => {
    const tricky = 'a {"usage": {"prompt_tokens": 1}} } { \\ " and "usage" again';
    const body = JSON.stringify(
      completion(tricky, {
        usage: { ...usage, prompt_tokens_details: { cached_tokens: 3 } },
      }),
    );
    expect(usageOfCompletionText(body)).toEqual(usage);
    expect(usageOfCompletionText(JSON.stringify(completion('x', { usage }), null, 2))).toEqual(usage);
  });

  it('falls back to the whole body when usage comes first, and reports none when absent or malformed', () => {
    const first = JSON.stringify({ usage, ...completion('the "usage" of words') });
    expect(usageOfCompletionText(first)).toEqual(usage);
    expect(usageOfCompletionText(JSON.stringify(completion('no usage here')))).toBeUndefined();
    expect(usageOfCompletionText('{"usage": {"prompt_tokens": 1, ')).toBeUndefined();
    expect(usageOfCompletionText('not json at all "usage"')).toBeUndefined();
    expect(usageOfCompletionText(JSON.stringify({ usage: { prompt_tokens: '3' } }))).toBeUndefined();
    // total_tokens is derived when a server leaves it out.
    expect(
      usageOfCompletionText(
        JSON.stringify(completion('x', { usage: { prompt_tokens: 2, completion_tokens: 5 } })),
      ),
    ).toEqual({ prompt_tokens: 2, completion_tokens: 5, total_tokens: 7 });
  });

  it('agrees with a full parse for any answer text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.nat(), fc.nat(), (content, prompt, completed) => {
        const expected = {
          prompt_tokens: prompt,
          completion_tokens: completed,
          total_tokens: prompt + completed,
        };
        const body = JSON.stringify(completion(content, { usage: expected }));
        expect(usageOfCompletionText(body)).toEqual(expected);
      }),
    );
  });
});

describe('createStreamUsageTap', () => {
  it('notes the first content chunk and the final usage chunk, across arbitrary chunk boundaries', () => {
    const events = [
      { choices: [{ index: 0, delta: { role: 'assistant' } }] },
      { choices: [{ index: 0, delta: { content: 'Hel' } }] },
      { choices: [{ index: 0, delta: { content: 'lo' } }] },
      { choices: [], usage },
    ];
    const wire = `${events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('')}data: [DONE]\n\n`;
    const bytes = new TextEncoder().encode(wire);
    let clock = 0;
    const tap = createStreamUsageTap(() => clock);
    // Feed it in 7-byte pieces; the clock ticks once per piece.
    for (let offset = 0; offset < bytes.length; offset += 7) {
      clock++;
      tap.push(bytes.subarray(offset, offset + 7));
      if (tap.firstContentAt === undefined) expect(offset).toBeLessThan(wire.indexOf('Hel') + 3);
    }
    expect(tap.usage).toEqual(usage);
    // The first content arrived with the piece that completed the second event.
    const secondEventEnd = wire.indexOf('\n\n', wire.indexOf('Hel')) + 2;
    expect(tap.firstContentAt).toBe(Math.ceil(secondEventEnd / 7));
  });

  it('reports nothing for a stream without content or usage', () => {
    const tap = createStreamUsageTap(() => 1);
    tap.push(
      new TextEncoder().encode(
        'data: {"choices":[{"index":0,"delta":{"role":"assistant"}}]}\n\ndata: [DONE]\n\n',
      ),
    );
    expect(tap.firstContentAt).toBeUndefined();
    expect(tap.usage).toBeUndefined();
  });
});
