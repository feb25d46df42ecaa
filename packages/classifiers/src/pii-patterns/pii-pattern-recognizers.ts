/**
 * Pattern recognisers for PII that need no model, validated with checksums where one exists
 * (Luhn for cards, mod-97 for IBANs, area/group/serial rules for US SSNs). Entity names are
 * Presidio's. Overlaps resolve by priority (the more specific recogniser wins), then length.
 *
 * @module
 */
import type { TokenSpan } from '@semroute/core';

export type PatternEntity =
  | 'EMAIL_ADDRESS'
  | 'PHONE_NUMBER'
  | 'CREDIT_CARD'
  | 'US_SSN'
  | 'IBAN_CODE'
  | 'IP_ADDRESS'
  | 'DOMAIN_NAME'
  | 'MAC_ADDRESS'
  | 'US_DRIVER_LICENSE';

export const PATTERN_ENTITIES: readonly PatternEntity[] = [
  'EMAIL_ADDRESS',
  'PHONE_NUMBER',
  'CREDIT_CARD',
  'US_SSN',
  'IBAN_CODE',
  'IP_ADDRESS',
  'DOMAIN_NAME',
  'MAC_ADDRESS',
  'US_DRIVER_LICENSE',
];

/** Luhn checksum over the digits of `value`. */
export function luhnValid(value: string): boolean {
  const digits = value.replace(/\D/g, '');
  if (digits.length < 12 || digits.length > 19) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** IBAN mod-97 check (ISO 13616), case-insensitive, spaces ignored. */
export function ibanValid(value: string): boolean {
  const iban = value.replace(/[\s-]/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const chunk = code >= 65 ? String(code - 55) : char;
    for (const digit of chunk) remainder = (remainder * 10 + (digit.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

/** US SSN rules: area not 000, 666 or 9xx; group not 00; serial not 0000; not all one digit. */
export function ssnValid(value: string): boolean {
  const digits = value.replace(/\D/g, '');
  if (digits.length !== 9) return false;
  const area = digits.slice(0, 3);
  if (area === '000' || area === '666' || area[0] === '9') return false;
  if (digits.slice(3, 5) === '00' || digits.slice(5) === '0000') return false;
  return !/^(\d)\1{8}$/.test(digits);
}

function ipv4Valid(value: string): boolean {
  return value
    .split('.')
    .every((part) => part.length <= 3 && Number(part) <= 255 && !(part.length > 1 && part[0] === '0'));
}

interface Recognizer {
  readonly entity: PatternEntity;
  readonly pattern: RegExp;
  /** Higher wins on overlap. */
  readonly priority: number;
  readonly score: number;
  readonly validate?: (match: string, text: string, start: number) => boolean;
  /** Trims the match (e.g. trailing punctuation of URLs). */
  readonly trim?: (match: string) => string;
}

const TLD = '[a-z]{2,24}';
/** Words that announce a phone number (checked in the 48 characters before a weak match). */
const PHONE_CONTEXT =
  /\b(?:phone|telephone|tel|call|calling|mobile|cell|fax|office|number|contact|reach|text|sms|whatsapp|dial|ring|answering|messages?)\b[^\d]{0,24}$/i;
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';

const RECOGNIZERS: readonly Recognizer[] = [
  {
    entity: 'EMAIL_ADDRESS',
    pattern: new RegExp(`\\b[a-z0-9._%+-]+@(?:${LABEL}\\.)+${TLD}\\b`, 'gi'),
    priority: 100,
    score: 1,
  },
  {
    entity: 'IBAN_CODE',
    pattern: /\b[A-Z]{2}\d{2}(?:[ -]?[A-Z0-9]{4}){2,7}(?:[ -]?[A-Z0-9]{1,3})?\b/gi,
    priority: 95,
    score: 1,
    validate: ibanValid,
  },
  {
    entity: 'CREDIT_CARD',
    pattern: /(?<![+\w])(?:\d[ -]?){11,18}\d\b/g,
    priority: 90,
    score: 1,
    validate: luhnValid,
  },
  {
    entity: 'US_SSN',
    pattern: /\b\d{3}([- ]?)\d{2}\1\d{4}\b/g,
    priority: 85,
    score: 0.95,
    validate: ssnValid,
  },
  {
    entity: 'IP_ADDRESS',
    pattern: /\b(?:\d{1,3}\.){3}\d{1,3}\b/g,
    priority: 80,
    score: 0.95,
    validate: ipv4Valid,
  },
  {
    entity: 'IP_ADDRESS',
    // Full and compressed IPv6 (at least two colons and hex groups).
    pattern:
      /(?<![\w:])(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}(?![\w:])|(?<![\w:])(?:[0-9a-f]{1,4}:){1,6}(?::[0-9a-f]{1,4}){1,6}(?![\w:])|(?<![\w:])::(?:[0-9a-f]{1,4}:){0,6}[0-9a-f]{1,4}(?![\w:])/gi,
    priority: 80,
    score: 0.95,
    validate: (match) => match.includes('::') || match.split(':').length === 8,
  },
  {
    entity: 'MAC_ADDRESS',
    pattern: /\b[0-9a-f]{2}(?:([:-])[0-9a-f]{2})(?:\1[0-9a-f]{2}){4}\b/gi,
    priority: 82,
    score: 0.95,
  },
  {
    entity: 'DOMAIN_NAME',
    // URLs with a scheme or www., and bare domains with a known-looking TLD.
    pattern: new RegExp(
      `\\b(?:https?://|www\\.)[^\\s<>"'()]+|\\b(?:${LABEL}\\.)+(?:com|org|net|edu|gov|io|co|info|biz|de|uk|fr|it|es|nl|be|ch|se|pl|cz|ca|au|br|pt|ru|jp|cn|in|us|eu|hu|si|uy|cy|ai|dev|app)\\b(?:/[^\\s<>"'()]*)?`,
      'gi',
    ),
    priority: 60,
    score: 0.95,
    trim: (match) => match.replace(/[.,;:!?]+$/, ''),
  },
  {
    entity: 'PHONE_NUMBER',
    // Optional +CC, then 2-6 groups of digits separated by space, dash, dot or parentheses, or a
    // plain run of 10-11 digits; 7-15 digits in all. Validation below decides with context.
    pattern:
      /(?<![\w+.-])(?:(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{1,5}(?:[\s.-]\(?\d{1,8}\)?){1,5}|\+?\d{10,13})(?![\w-]|\.\d)/g,
    priority: 40,
    score: 0.9,
    validate: (match, text, start) => {
      const digits = match.replace(/\D/g, '');
      if (digits.length < 7 || digits.length > 15) return false;
      if (/^\d{4}-\d{2}-\d{2}/.test(match)) return false; // ISO date
      if (/^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$/.test(match)) return false; // 12/1/1981
      const groups = match.split(/[\s.()-]+/).filter((group) => group !== '').length;
      const strong =
        match.startsWith('+') || match.includes('(') || groups >= 3 || (groups >= 2 && digits.length >= 10);
      if (strong) return true;
      // Weak shapes (two short groups, plain digit runs) look like house numbers or ids: need a cue.
      const before = text.slice(Math.max(0, start - 48), start);
      const after = text.slice(start + match.length, start + match.length + 16);
      return PHONE_CONTEXT.test(before) || /^\W{0,3}(?:office|fax|mobile|cell|home|work)\b/i.test(after);
    },
  },
  {
    entity: 'US_DRIVER_LICENSE',
    // One letter + 7-14 digits: the most common state formats; plain digit runs are left alone.
    pattern: /\b[A-Z]\d{7,14}\b/g,
    priority: 30,
    score: 0.6,
  },
];

export interface PatternRecognizerOptions {
  /** Entities to look for (default: all). */
  readonly entities?: readonly string[];
}

/** Finds pattern entities in `text`, overlaps resolved. Offsets are UTF-16 code units. */
export function recognizePatterns(text: string, options: PatternRecognizerOptions = {}): TokenSpan[] {
  const wanted = options.entities ? new Set(options.entities) : undefined;
  const found: (TokenSpan & { priority: number })[] = [];
  for (const recognizer of RECOGNIZERS) {
    if (wanted && !wanted.has(recognizer.entity)) continue;
    recognizer.pattern.lastIndex = 0;
    for (const match of text.matchAll(recognizer.pattern)) {
      let value = match[0];
      if (recognizer.trim) value = recognizer.trim(value);
      if (value.length === 0) continue;
      const start = match.index ?? 0;
      if (recognizer.validate && !recognizer.validate(value, text, start)) continue;
      found.push({
        label: recognizer.entity,
        start,
        end: start + value.length,
        score: recognizer.score,
        priority: recognizer.priority,
      });
    }
  }
  found.sort((a, b) => b.priority - a.priority || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: TokenSpan[] = [];
  for (const span of found) {
    if (kept.some((other) => span.start < other.end && other.start < span.end)) continue;
    kept.push({ label: span.label, start: span.start, end: span.end, score: span.score });
  }
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * Merges model spans and pattern spans into one list: a pattern span replaces overlapping model
 * spans (patterns are validated), other model spans are kept.
 */
export function mergeEntitySpans(model: readonly TokenSpan[], patterns: readonly TokenSpan[]): TokenSpan[] {
  const kept = model.filter(
    (span) => !patterns.some((other) => span.start < other.end && other.start < span.end),
  );
  return [...kept, ...patterns].sort((a, b) => a.start - b.start);
}
