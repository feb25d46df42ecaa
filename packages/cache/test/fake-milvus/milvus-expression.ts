/**
 * A small evaluator for the subset of Milvus boolean expressions the adapter sends:
 * `field == "x"`, `field != 1`, `<`, `<=`, `>`, `>=`, `field in ["a", "b"]`, `and`/`&&`,
 * `or`/`||`, `not`, parentheses. Anything else is rejected, as Milvus rejects what it cannot
 * parse.
 */
type Value = string | number;
export type Row = Readonly<Record<string, unknown>>;
export type Predicate = (row: Row) => boolean;

export function parseMilvusExpression(source: string, knownFields: ReadonlySet<string>): Predicate {
  const tokens = tokenize(source);
  let position = 0;
  const peek = () => tokens[position];
  const next = () => tokens[position++];
  const expect = (value: string) => {
    const token = next();
    if (token?.value !== value) throw new Error(`cannot parse expression "${source}": expected ${value}`);
  };

  const parseOr = (): Predicate => {
    let left = parseAnd();
    while (peek()?.value === 'or' || peek()?.value === '||') {
      next();
      const right = parseAnd();
      const previous = left;
      left = (row) => previous(row) || right(row);
    }
    return left;
  };
  const parseAnd = (): Predicate => {
    let left = parseNot();
    while (peek()?.value === 'and' || peek()?.value === '&&') {
      next();
      const right = parseNot();
      const previous = left;
      left = (row) => previous(row) && right(row);
    }
    return left;
  };
  const parseNot = (): Predicate => {
    if (peek()?.value === 'not' || peek()?.value === '!') {
      next();
      const inner = parseNot();
      return (row) => !inner(row);
    }
    return parsePrimary();
  };
  const parseValue = (): Value => {
    const token = next();
    if (token?.kind === 'string') return token.value;
    if (token?.kind === 'number') return Number(token.value);
    throw new Error(`cannot parse expression "${source}": expected a value`);
  };
  const parsePrimary = (): Predicate => {
    if (peek()?.value === '(') {
      next();
      const inner = parseOr();
      expect(')');
      return inner;
    }
    const field = next();
    if (field?.kind !== 'identifier')
      throw new Error(`cannot parse expression "${source}": expected a field name`);
    if (!knownFields.has(field.value)) throw new Error(`field ${field.value} not exist`);
    const operator = next();
    if (operator?.value === 'in') {
      expect('[');
      const values: Value[] = [];
      while (peek()?.value !== ']') {
        values.push(parseValue());
        if (peek()?.value === ',') next();
      }
      expect(']');
      return (row) => values.some((value) => equal(row[field.value], value));
    }
    const value = parseValue();
    switch (operator?.value) {
      case '==':
        return (row) => equal(row[field.value], value);
      case '!=':
        return (row) => !equal(row[field.value], value);
      case '>':
        return (row) => compare(row[field.value], value) > 0;
      case '>=':
        return (row) => compare(row[field.value], value) >= 0;
      case '<':
        return (row) => compare(row[field.value], value) < 0;
      case '<=':
        return (row) => compare(row[field.value], value) <= 0;
      default:
        throw new Error(`cannot parse expression "${source}": unknown operator ${operator?.value}`);
    }
  };

  if (tokens.length === 0) return () => true;
  const predicate = parseOr();
  if (position !== tokens.length) throw new Error(`cannot parse expression "${source}": trailing input`);
  return predicate;
}

/** Strings compare lexicographically (VarChar), numbers numerically. */
function compare(left: unknown, right: Value): number {
  if (typeof right === 'string') {
    const text = String(left);
    return text < right ? -1 : text > right ? 1 : 0;
  }
  return Number(left) - right;
}

function equal(left: unknown, right: Value): boolean {
  return typeof right === 'number' ? Number(left) === right : String(left) === right;
}

function tokenize(
  source: string,
): Array<{ kind: 'identifier' | 'string' | 'number' | 'symbol'; value: string }> {
  const tokens: Array<{ kind: 'identifier' | 'string' | 'number' | 'symbol'; value: string }> = [];
  const pattern =
    /\s*(?:(==|!=|>=|<=|&&|\|\||[()[\],<>!])|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*))/y;
  let index = 0;
  while (index < source.length) {
    if (/^\s*$/.test(source.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(source);
    if (!match) throw new Error(`cannot parse expression "${source}" at ${index}`);
    index = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ kind: 'symbol', value: match[1] });
    else if (match[2] !== undefined) tokens.push({ kind: 'string', value: match[2].replace(/\\(.)/g, '$1') });
    else if (match[3] !== undefined) tokens.push({ kind: 'string', value: match[3].replace(/\\(.)/g, '$1') });
    else if (match[4] !== undefined) tokens.push({ kind: 'number', value: match[4] });
    else if (match[5] !== undefined)
      tokens.push({
        kind: ['and', 'or', 'not', 'in'].includes(match[5]) ? 'symbol' : 'identifier',
        value: match[5],
      });
  }
  return tokens;
}
