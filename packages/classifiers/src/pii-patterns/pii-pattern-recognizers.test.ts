import { describe, expect, it } from 'vitest';
import {
  ibanValid,
  luhnValid,
  mergeEntitySpans,
  recognizePatterns,
  ssnValid,
} from './pii-pattern-recognizers.js';

const found = (text: string) =>
  recognizePatterns(text).map((span) => [span.label, text.slice(span.start, span.end)]);

describe('checksums', () => {
  it('validates Luhn, IBAN mod-97 and SSN rules', () => {
    expect(luhnValid('4111 1111 1111 1111')).toBe(true);
    expect(luhnValid('4111 1111 1111 1112')).toBe(false);
    expect(ibanValid('DE89 3704 0044 0532 0130 00')).toBe(true);
    expect(ibanValid('DE89 3704 0044 0532 0130 01')).toBe(false);
    expect(ssnValid('123-45-6789')).toBe(true);
    expect(ssnValid('666-45-6789')).toBe(false);
    expect(ssnValid('912-45-6789')).toBe(false);
    expect(ssnValid('123-00-6789')).toBe(false);
  });
});

describe('recognizePatterns', () => {
  it('finds validated entities with Presidio names and offsets', () => {
    expect(found('Mail jane.doe@example.org or call +1 (555) 123-4567 today.')).toEqual([
      ['EMAIL_ADDRESS', 'jane.doe@example.org'],
      ['PHONE_NUMBER', '+1 (555) 123-4567'],
    ]);
    expect(found('Card 4111-1111-1111-1111, SSN 123-45-6789, IBAN DE89370400440532013000.')).toEqual([
      ['CREDIT_CARD', '4111-1111-1111-1111'],
      ['US_SSN', '123-45-6789'],
      ['IBAN_CODE', 'DE89370400440532013000'],
    ]);
    expect(
      found(
        'Hosts 192.168.0.1 and 2001:db8::8a2e:370:7334, MAC 00:1a:2b:3c:4d:5e, see https://www.example.com/a.',
      ),
    ).toEqual([
      ['IP_ADDRESS', '192.168.0.1'],
      ['IP_ADDRESS', '2001:db8::8a2e:370:7334'],
      ['MAC_ADDRESS', '00:1a:2b:3c:4d:5e'],
      ['DOMAIN_NAME', 'https://www.example.com/a'],
    ]);
  });

  it('rejects look-alikes that fail validation or lack context', () => {
    expect(found('Card 4111 1111 1111 1112 and IP 999.1.1.1')).toEqual([]);
    expect(found('Suite 3747 3911 on the second floor')).toEqual([]);
    expect(found('My phone is 467 3395')).toEqual([['PHONE_NUMBER', '467 3395']]);
    expect(found('Born 2000-04-16 11:34:35')).toEqual([]);
  });

  it('merges model and pattern spans, patterns winning overlaps', () => {
    const model = [
      { label: 'PERSON', start: 0, end: 4, score: 0.9 },
      { label: 'ORGANIZATION', start: 10, end: 20, score: 0.8 },
    ];
    const patterns = [{ label: 'EMAIL_ADDRESS', start: 12, end: 30, score: 1 }];
    expect(mergeEntitySpans(model, patterns).map((span) => span.label)).toEqual(['PERSON', 'EMAIL_ADDRESS']);
  });
});
