/**
 * Multi-keyword literal matching with one Aho–Corasick automaton per rule, built at load time.
 * Scanning is linear in the text whatever the number of keywords, and finds every keyword
 * (overlapping ones included), which `matched / total` confidence needs.
 *
 * Word boundaries: a keyword edge that is a letter, digit or underscore must not touch another
 * such character in the text, except for Han/Kana/Hangul edges, since those scripts do not
 * separate words with spaces.
 *
 * @module
 */

const WORD_CHAR = /[\p{L}\p{N}_]/u;
const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;

function isWordChar(char: string | undefined): boolean {
  return char !== undefined && WORD_CHAR.test(char);
}

interface AutomatonNode {
  readonly next: Map<number, number>;
  fail: number;
  /** Keyword indices ending here (including those reached through fail links). */
  outputs: number[];
}

export interface KeywordMatcherOptions {
  readonly caseSensitive: boolean;
}

export class KeywordMatcher {
  private readonly nodes: AutomatonNode[] = [{ next: new Map(), fail: 0, outputs: [] }];
  private readonly patterns: string[];
  private readonly needsLeftBoundary: boolean[];
  private readonly needsRightBoundary: boolean[];
  private readonly caseSensitive: boolean;

  constructor(keywords: readonly string[], options: KeywordMatcherOptions) {
    this.caseSensitive = options.caseSensitive;
    this.patterns = keywords.map((keyword) => (this.caseSensitive ? keyword : keyword.toLowerCase()));
    this.needsLeftBoundary = this.patterns.map((pattern) => {
      const first = String.fromCodePoint(pattern.codePointAt(0)!);
      return isWordChar(first) && !CJK_CHAR.test(first);
    });
    this.needsRightBoundary = this.patterns.map((pattern) => {
      const last = Array.from(pattern).at(-1)!;
      return isWordChar(last) && !CJK_CHAR.test(last);
    });
    this.patterns.forEach((pattern, index) => {
      this.insert(pattern, index);
    });
    this.link();
  }

  private insert(pattern: string, index: number): void {
    let state = 0;
    for (let position = 0; position < pattern.length; position++) {
      const code = pattern.charCodeAt(position);
      let target = this.nodes[state]!.next.get(code);
      if (target === undefined) {
        target = this.nodes.length;
        this.nodes.push({ next: new Map(), fail: 0, outputs: [] });
        this.nodes[state]!.next.set(code, target);
      }
      state = target;
    }
    this.nodes[state]!.outputs.push(index);
  }

  private link(): void {
    const queue: number[] = [];
    for (const child of this.nodes[0]!.next.values()) queue.push(child);
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      const node = this.nodes[state]!;
      for (const [code, child] of node.next) {
        let fallback = node.fail;
        while (fallback !== 0 && !this.nodes[fallback]!.next.has(code)) fallback = this.nodes[fallback]!.fail;
        const candidate = this.nodes[fallback]!.next.get(code);
        const childNode = this.nodes[child]!;
        childNode.fail = candidate !== undefined && candidate !== child ? candidate : 0;
        childNode.outputs = childNode.outputs.concat(this.nodes[childNode.fail]!.outputs);
        queue.push(child);
      }
    }
  }

  /** Number of keywords. */
  get size(): number {
    return this.patterns.length;
  }

  /**
   * Returns which keywords occur in `text` (respecting word boundaries), as a boolean per
   * keyword index. `stopAfter` ends the scan early once that many distinct keywords matched.
   */
  match(
    text: string,
    stopAfter = Number.POSITIVE_INFINITY,
  ): { readonly found: boolean[]; readonly count: number } {
    return this.scan(text, stopAfter, false);
  }

  /** Counts every occurrence of every keyword (respecting word boundaries). */
  countOccurrences(text: string): number {
    return this.scan(text, Number.POSITIVE_INFINITY, true).occurrences;
  }

  private scan(
    text: string,
    stopAfter: number,
    everyOccurrence: boolean,
  ): { found: boolean[]; count: number; occurrences: number } {
    let occurrences = 0;
    const haystack = this.caseSensitive ? text : text.toLowerCase();
    const found = new Array<boolean>(this.patterns.length).fill(false);
    let count = 0;
    let state = 0;
    const nodes = this.nodes;
    for (let position = 0; position < haystack.length; position++) {
      const code = haystack.charCodeAt(position);
      let next = nodes[state]!.next.get(code);
      while (next === undefined && state !== 0) {
        state = nodes[state]!.fail;
        next = nodes[state]!.next.get(code);
      }
      state = next ?? 0;
      const outputs = nodes[state]!.outputs;
      for (let outputIndex = 0; outputIndex < outputs.length; outputIndex++) {
        const keyword = outputs[outputIndex]!;
        if (found[keyword] && !everyOccurrence) continue;
        const end = position + 1;
        const start = end - this.patterns[keyword]!.length;
        if (this.needsLeftBoundary[keyword] && start > 0 && isWordChar(charBefore(haystack, start))) continue;
        if (this.needsRightBoundary[keyword] && end < haystack.length && isWordChar(charAt(haystack, end)))
          continue;
        occurrences++;
        if (found[keyword]) continue;
        found[keyword] = true;
        count++;
        if (count >= stopAfter) return { found, count, occurrences };
      }
    }
    return { found, count, occurrences };
  }
}

function charBefore(text: string, index: number): string {
  const code = text.charCodeAt(index - 1);
  // Low surrogate: include its pair so astral letters are classified correctly.
  if (code >= 0xdc00 && code <= 0xdfff && index >= 2) return text.slice(index - 2, index);
  return text.charAt(index - 1);
}

function charAt(text: string, index: number): string {
  return String.fromCodePoint(text.codePointAt(index)!);
}
