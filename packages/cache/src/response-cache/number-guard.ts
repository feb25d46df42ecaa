/**
 * Number guard for semantic hits. Sentence embeddings barely move when a number changes
 * ("What is 15% of 80?" vs "What is 15% of 90?"), yet the answer does: on MMLU-Pro pairs that
 * differ in one number, every embedder we measured scores them as near-identical. A semantic
 * hit is therefore accepted only when both queries contain the same numbers, in order.
 *
 * @module
 */

const NUMBER = /\d+(?:[.,]\d+)*/g;

/** The numbers of a text, normalised (`1,000` and `1000` are equal). */
export function numbersOf(text: string): string[] {
  return (text.match(NUMBER) ?? []).map((value) => value.replace(/,(?=\d{3}\b)/g, ''));
}

/** True when both texts contain the same sequence of numbers. */
export function numbersMatch(a: string, b: string): boolean {
  const left = numbersOf(a);
  const right = numbersOf(b);
  return left.length === right.length && left.every((value, index) => value === right[index]);
}
