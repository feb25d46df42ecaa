/**
 * A small renderer for the subset of Helm's template language (Go text/template plus the
 * Sprig functions Helm adds) that deploy/helm/semroute uses. No helm binary can be installed
 * on the team's machines (no npm or Debian package ships one), so the chart tests render the
 * templates with this instead of `helm template`.
 *
 * It follows Go's semantics where the chart depends on them: `{{-`/`-}}` whitespace trimming,
 * pipelines passing the previous value as the last argument, Go truthiness for if/with,
 * `$` and `$name` variables, define/include, and Helm's `missingkey` behaviour (a missing map key
 * is nil, but a field of nil is an error). Anything outside the subset (an unknown function,
 * printing a map without toYaml, an unknown keyword) throws, so a template that would need a
 * feature we do not model fails its test instead of rendering something wrong.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

type Value = unknown;
type Scope = { vars: Map<string, Value>; parent: Scope | undefined };

// --------------------------------------------------------------------------------------------
// lexing and parsing

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'field'; base: string | undefined; path: string[] } // base: undefined = dot, '$' or '$name'
  | { kind: 'ident'; name: string }
  | { kind: 'punct'; value: '|' | '(' | ')' | ':=' | '=' | ',' };

type Operand =
  | { kind: 'literal'; value: Value }
  | { kind: 'field'; base: string | undefined; path: string[] }
  | { kind: 'function'; name: string }
  | { kind: 'pipeline'; pipeline: Pipeline };

interface Pipeline {
  declare: string[];
  assign: boolean; // `=` instead of `:=`
  commands: Operand[][];
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline }
  | { kind: 'if'; branches: { condition: Pipeline; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'with'; pipeline: Pipeline; body: Node[]; otherwise: Node[] }
  | { kind: 'range'; pipeline: Pipeline; body: Node[]; otherwise: Node[] };

function tokenize(source: string, where: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  const identifier = /[A-Za-z_][A-Za-z0-9_]*/y;
  while (index < source.length) {
    const character = source[index] as string;
    if (/\s/.test(character)) {
      index++;
      continue;
    }
    if (character === '"') {
      let end = index + 1;
      while (end < source.length && source[end] !== '"') end += source[end] === '\\' ? 2 : 1;
      tokens.push({ kind: 'string', value: JSON.parse(source.slice(index, end + 1)) as string });
      index = end + 1;
      continue;
    }
    if (character === '`') {
      const end = source.indexOf('`', index + 1);
      tokens.push({ kind: 'string', value: source.slice(index + 1, end) });
      index = end + 1;
      continue;
    }
    if (source.startsWith(':=', index)) {
      tokens.push({ kind: 'punct', value: ':=' });
      index += 2;
      continue;
    }
    if ('|(),='.includes(character)) {
      tokens.push({ kind: 'punct', value: character as '|' });
      index++;
      continue;
    }
    const number = /-?\d+(\.\d+)?/y;
    number.lastIndex = index;
    const numberMatch = number.exec(source);
    if (numberMatch) {
      tokens.push({ kind: 'number', value: Number(numberMatch[0]) });
      index += numberMatch[0].length;
      continue;
    }
    if (character === '.' || character === '$') {
      let base: string | undefined;
      if (character === '$') {
        identifier.lastIndex = index + 1;
        const name = identifier.exec(source);
        base = `$${name?.[0] ?? ''}`;
        index += base.length;
      }
      const path: string[] = [];
      while (source[index] === '.') {
        identifier.lastIndex = index + 1;
        const name = identifier.exec(source);
        index++;
        if (!name) break; // a bare `.`
        path.push(name[0]);
        index += name[0].length;
      }
      tokens.push({ kind: 'field', base, path });
      continue;
    }
    identifier.lastIndex = index;
    const name = identifier.exec(source);
    if (name) {
      tokens.push({ kind: 'ident', name: name[0] });
      index += name[0].length;
      continue;
    }
    throw new Error(`${where}: cannot tokenize "${source.slice(index)}"`);
  }
  return tokens;
}

function parsePipeline(tokens: Token[], where: string): Pipeline {
  let position = 0;
  const declare: string[] = [];
  let assign = false;
  // `$a := …`, `$a, $b := …` (range) or `$a = …`
  const assignment = tokens.findIndex(
    (token) => token.kind === 'punct' && (token.value === ':=' || token.value === '='),
  );
  if (
    assignment > 0 &&
    tokens
      .slice(0, assignment)
      .every(
        (token) =>
          (token.kind === 'field' && token.base?.startsWith('$') && token.path.length === 0) ||
          (token.kind === 'punct' && token.value === ','),
      )
  ) {
    for (const token of tokens.slice(0, assignment))
      if (token.kind === 'field') declare.push(token.base as string);
    assign = (tokens[assignment] as { value: string }).value === '=';
    position = assignment + 1;
  }
  const parseCommands = (stopAtParen: boolean): Operand[][] => {
    const commands: Operand[][] = [[]];
    while (position < tokens.length) {
      const token = tokens[position++] as Token;
      const current = commands[commands.length - 1] as Operand[];
      if (token.kind === 'punct') {
        if (token.value === '|') commands.push([]);
        else if (token.value === '(')
          current.push({
            kind: 'pipeline',
            pipeline: { declare: [], assign: false, commands: parseCommands(true) },
          });
        else if (token.value === ')') {
          if (!stopAtParen) throw new Error(`${where}: unbalanced ")"`);
          return commands;
        } else throw new Error(`${where}: unexpected "${token.value}"`);
      } else if (token.kind === 'string' || token.kind === 'number')
        current.push({ kind: 'literal', value: token.value });
      else if (token.kind === 'field') current.push({ kind: 'field', base: token.base, path: token.path });
      else if (token.name === 'true' || token.name === 'false')
        current.push({ kind: 'literal', value: token.name === 'true' });
      else if (token.name === 'nil') current.push({ kind: 'literal', value: undefined });
      else current.push({ kind: 'function', name: token.name });
    }
    if (stopAtParen) throw new Error(`${where}: missing ")"`);
    return commands;
  };
  const commands = parseCommands(false);
  if (commands.some((command) => command.length === 0))
    throw new Error(`${where}: empty command in pipeline`);
  return { declare, assign, commands };
}

interface RawAction {
  kind: 'text' | 'action';
  text: string;
}

function lex(source: string): RawAction[] {
  const items: RawAction[] = [];
  let index = 0;
  while (index < source.length) {
    const open = source.indexOf('{{', index);
    if (open === -1) {
      items.push({ kind: 'text', text: source.slice(index) });
      break;
    }
    let text = source.slice(index, open);
    let start = open + 2;
    if (/^-\s/.test(source.slice(start, start + 2))) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    items.push({ kind: 'text', text });
    let close = source.indexOf('}}', start);
    const comment = source.slice(start).trimStart().startsWith('/*');
    if (comment) close = source.indexOf('}}', source.indexOf('*/', start));
    if (close === -1) throw new Error('unclosed action');
    let body = source.slice(start, close);
    index = close + 2;
    if (/\s-$/.test(body)) {
      body = body.slice(0, -1);
      const rest = /^\s*/.exec(source.slice(index)) as RegExpExecArray;
      index += rest[0].length;
    }
    if (!comment) items.push({ kind: 'action', text: body.trim() });
  }
  return items;
}

function parseTemplate(source: string, name: string, defines: Map<string, Node[]>): Node[] {
  const items = lex(source);
  let position = 0;
  // Returns the body and the keyword that ended it (end / else …).
  const parseList = (): { nodes: Node[]; terminator: string | undefined } => {
    const nodes: Node[] = [];
    while (position < items.length) {
      const item = items[position++] as RawAction;
      if (item.kind === 'text') {
        if (item.text) nodes.push({ kind: 'text', text: item.text });
        continue;
      }
      const keyword = /^(if|else if|else with|else|end|with|range|define|template|block)\b/.exec(
        item.text,
      )?.[1];
      const rest = keyword ? item.text.slice(keyword.length).trim() : item.text;
      const where = `${name}: {{ ${item.text} }}`;
      if (keyword === 'end' || keyword === 'else' || keyword === 'else if' || keyword === 'else with') {
        return { nodes, terminator: keyword === 'end' ? 'end' : `${keyword}\u0000${rest}` };
      }
      if (keyword === 'template' || keyword === 'block')
        throw new Error(`${where}: "${keyword}" is not supported; use include`);
      if (keyword === 'define') {
        const defineName = JSON.parse(rest) as string;
        const body = parseList();
        if (body.terminator !== 'end') throw new Error(`${where}: define must end with end`);
        defines.set(defineName, body.nodes);
        continue;
      }
      if (keyword === 'if') {
        const branches: { condition: Pipeline; body: Node[] }[] = [];
        let condition = parsePipeline(tokenize(rest, where), where);
        let otherwise: Node[] = [];
        for (;;) {
          const body = parseList();
          branches.push({ condition, body: body.nodes });
          if (body.terminator === 'end') break;
          if (body.terminator?.startsWith('else if\u0000')) {
            const conditionText = body.terminator.split('\u0000')[1] as string;
            condition = parsePipeline(tokenize(conditionText, where), where);
            continue;
          }
          if (body.terminator === 'else\u0000') {
            const elseBody = parseList();
            if (elseBody.terminator !== 'end') throw new Error(`${where}: else must end with end`);
            otherwise = elseBody.nodes;
            break;
          }
          throw new Error(`${where}: unterminated if`);
        }
        nodes.push({ kind: 'if', branches, otherwise });
        continue;
      }
      if (keyword === 'with' || keyword === 'range') {
        const pipeline = parsePipeline(tokenize(rest, where), where);
        const body = parseList();
        let otherwise: Node[] = [];
        if (body.terminator === 'else\u0000') {
          const elseBody = parseList();
          if (elseBody.terminator !== 'end') throw new Error(`${where}: else must end with end`);
          otherwise = elseBody.nodes;
        } else if (body.terminator !== 'end') throw new Error(`${where}: unterminated ${keyword}`);
        nodes.push({ kind: keyword, pipeline, body: body.nodes, otherwise });
        continue;
      }
      nodes.push({ kind: 'action', pipeline: parsePipeline(tokenize(rest, where), where) });
    }
    return { nodes, terminator: undefined };
  };
  const result = parseList();
  if (result.terminator !== undefined)
    throw new Error(`${name}: unexpected {{ ${result.terminator.replace('\u0000', ' ')} }}`);
  return result.nodes;
}

// --------------------------------------------------------------------------------------------
// evaluation

function isTrue(value: Value): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value as object).length > 0;
  return true;
}

function isMap(value: Value): value is Record<string, Value> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function printValue(value: Value, where: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object')
    throw new Error(`${where}: printing a ${Array.isArray(value) ? 'list' : 'map'} needs toYaml`);
  return String(value);
}

function toYaml(value: Value): string {
  if (value === undefined || value === null) return 'null';
  return stringify(value, { lineWidth: 0 }).replace(/\n$/, '');
}

function indentLines(spaces: number, text: string): string {
  const pad = ' '.repeat(spaces);
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}

function goFormat(format: string, args: Value[]): string {
  let next = 0;
  return format.replace(/%([sdvq%])/g, (_whole, verb: string) => {
    if (verb === '%') return '%';
    const argument = args[next++];
    if (verb === 'q') return JSON.stringify(String(argument));
    if (verb === 'd') return String(Math.trunc(Number(argument)));
    return printValue(argument, 'printf');
  });
}

/** Inputs of one render, as Helm passes them to every template. */
export interface RenderContext {
  readonly Values: Record<string, Value>;
  readonly Release: {
    Name: string;
    Namespace: string;
    Service: string;
    IsInstall: boolean;
    IsUpgrade: boolean;
  };
  readonly Chart: { Name: string; Version: string; AppVersion: string };
  readonly Template?: { Name: string; BasePath: string };
}

class Renderer {
  constructor(private readonly defines: Map<string, Node[]>) {}

  private readonly functions: Record<string, (...args: Value[]) => Value> = {
    include: (name, dot) => {
      const body = this.defines.get(String(name));
      if (!body) throw new Error(`include: no template named "${String(name)}"`);
      return this.renderNodes(body, dot, { vars: new Map([['$', dot]]), parent: undefined });
    },
    toYaml: (value) => toYaml(value),
    nindent: (spaces, text) => `\n${indentLines(Number(spaces), String(text))}`,
    indent: (spaces, text) => indentLines(Number(spaces), String(text)),
    quote: (...values) =>
      values
        .filter((value) => value !== undefined && value !== null)
        .map((value) => JSON.stringify(String(value)))
        .join(' '),
    squote: (...values) =>
      values
        .filter((value) => value !== undefined && value !== null)
        .map((value) => `'${String(value)}'`)
        .join(' '),
    default: (fallback, given) => (isTrue(given) ? given : fallback),
    required: (message, value) => {
      if (value === undefined || value === null || value === '')
        throw new Error(`required: ${String(message)}`);
      return value;
    },
    fail: (message) => {
      throw new Error(`fail: ${String(message)}`);
    },
    printf: (format, ...args) => goFormat(String(format), args),
    print: (...args) => args.map((argument) => printValue(argument, 'print')).join(''),
    trunc: (length, text) => String(text).slice(0, Number(length)),
    trimSuffix: (suffix, text) =>
      String(text).endsWith(String(suffix))
        ? String(text).slice(0, -String(suffix).length || undefined)
        : String(text),
    trimPrefix: (prefix, text) =>
      String(text).startsWith(String(prefix)) ? String(text).slice(String(prefix).length) : String(text),
    replace: (from, to, text) => String(text).split(String(from)).join(String(to)),
    contains: (needle, haystack) => String(haystack).includes(String(needle)),
    upper: (text) => String(text).toUpperCase(),
    lower: (text) => String(text).toLowerCase(),
    toString: (value: Value) => printValue(value, 'toString'),
    int: (value) => Math.trunc(Number(value ?? 0)),
    sha256sum: (text) => createHash('sha256').update(String(text)).digest('hex'),
    b64enc: (text) => Buffer.from(String(text)).toString('base64'),
    omit: (map, ...keys) =>
      Object.fromEntries(Object.entries(isMap(map) ? map : {}).filter(([key]) => !keys.includes(key))),
    hasKey: (map, key) => isMap(map) && Object.hasOwn(map, String(key)),
    empty: (value) => !isTrue(value),
    not: (value) => !isTrue(value),
    and: (...values) => values.find((value) => !isTrue(value)) ?? values[values.length - 1],
    or: (...values) => values.find((value) => isTrue(value)) ?? values[values.length - 1],
    eq: (left, ...rights) => rights.some((right) => left === right),
    ne: (left, right) => left !== right,
    list: (...values) => values,
    dict: (...pairs) => {
      const result: Record<string, Value> = {};
      for (let index = 0; index < pairs.length; index += 2) result[String(pairs[index])] = pairs[index + 1];
      return result;
    },
  };

  renderNodes(nodes: Node[], dot: Value, scope: Scope): string {
    let output = '';
    for (const node of nodes) {
      switch (node.kind) {
        case 'text':
          output += node.text;
          break;
        case 'action': {
          const value = this.evaluatePipeline(node.pipeline, dot, scope);
          if (node.pipeline.declare.length === 0) output += printValue(value, 'action');
          break;
        }
        case 'if': {
          const branch = node.branches.find((candidate) =>
            isTrue(this.evaluatePipeline(candidate.condition, dot, scope)),
          );
          output += this.renderNodes(branch ? branch.body : node.otherwise, dot, {
            vars: new Map(),
            parent: scope,
          });
          break;
        }
        case 'with': {
          const value = this.evaluatePipeline(node.pipeline, dot, { vars: new Map(), parent: scope });
          output += isTrue(value)
            ? this.renderNodes(node.body, value, { vars: new Map(), parent: scope })
            : this.renderNodes(node.otherwise, dot, { vars: new Map(), parent: scope });
          break;
        }
        case 'range': {
          const collection = this.evaluateCommands(node.pipeline.commands, dot, scope);
          const entries: [Value, Value][] = Array.isArray(collection)
            ? collection.map((item, index) => [index, item])
            : isMap(collection)
              ? Object.keys(collection)
                  .sort()
                  .map((key) => [key, collection[key]])
              : [];
          if (
            collection !== undefined &&
            collection !== null &&
            !Array.isArray(collection) &&
            !isMap(collection)
          )
            throw new Error('range over a scalar');
          if (entries.length === 0)
            output += this.renderNodes(node.otherwise, dot, { vars: new Map(), parent: scope });
          for (const [key, item] of entries) {
            const vars = new Map<string, Value>();
            const [first, second] = node.pipeline.declare;
            if (second !== undefined) {
              vars.set(first as string, key);
              vars.set(second, item);
            } else if (first !== undefined) vars.set(first, item);
            output += this.renderNodes(node.body, item, { vars, parent: scope });
          }
          break;
        }
      }
    }
    return output;
  }

  private evaluatePipeline(pipeline: Pipeline, dot: Value, scope: Scope): Value {
    const value = this.evaluateCommands(pipeline.commands, dot, scope);
    const [name] = pipeline.declare;
    if (name !== undefined) {
      if (pipeline.assign) {
        let target: Scope | undefined = scope;
        while (target && !target.vars.has(name)) target = target.parent;
        if (!target) throw new Error(`assignment to undeclared variable ${name}`);
        target.vars.set(name, value);
      } else scope.vars.set(name, value);
    }
    return value;
  }

  private evaluateCommands(commands: Operand[][], dot: Value, scope: Scope): Value {
    let piped: Value;
    let hasPiped = false;
    for (const command of commands) {
      const [head, ...rest] = command as [Operand, ...Operand[]];
      if (head.kind === 'function') {
        const implementation = this.functions[head.name];
        if (!implementation) throw new Error(`unsupported function "${head.name}"`);
        const args = rest.map((operand) => this.evaluateOperand(operand, dot, scope));
        if (hasPiped) args.push(piped);
        piped = implementation(...args);
      } else {
        if (rest.length > 0 || hasPiped) throw new Error('only functions take arguments');
        piped = this.evaluateOperand(head, dot, scope);
      }
      hasPiped = true;
    }
    return piped;
  }

  private evaluateOperand(operand: Operand, dot: Value, scope: Scope): Value {
    switch (operand.kind) {
      case 'literal':
        return operand.value;
      case 'pipeline':
        return this.evaluateCommands(operand.pipeline.commands, dot, scope);
      case 'function': {
        const implementation = this.functions[operand.name];
        if (!implementation) throw new Error(`unsupported function "${operand.name}"`);
        return implementation();
      }
      case 'field': {
        let value: Value = dot;
        if (operand.base !== undefined) {
          let target: Scope | undefined = scope;
          while (target && !target.vars.has(operand.base)) target = target.parent;
          if (!target) throw new Error(`undefined variable ${operand.base}`);
          value = target.vars.get(operand.base);
        }
        const walked: string[] = [];
        for (const key of operand.path) {
          if (value === undefined || value === null)
            throw new Error(`nil pointer evaluating ${walked.join('.') || '.'}.${key}`);
          if (!isMap(value)) throw new Error(`can't evaluate field ${key} in ${typeof value}`);
          value = value[key];
          walked.push(key);
        }
        return value;
      }
    }
  }
}

/** Helm's value coalescing: maps merge recursively, anything else replaces, null deletes. */
export function mergeValues(
  base: Record<string, Value>,
  override: Record<string, Value>,
): Record<string, Value> {
  const result: Record<string, Value> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete result[key];
    else if (isMap(value) && isMap(result[key]))
      result[key] = mergeValues(result[key] as Record<string, Value>, value);
    else result[key] = value;
  }
  return result;
}

export interface RenderChartOptions {
  /** Folder holding Chart.yaml, values.yaml and templates/. */
  readonly chartDir: string;
  /** Overrides merged over values.yaml, like `helm template -f`. */
  readonly values?: Record<string, Value>;
  readonly releaseName?: string;
  readonly namespace?: string;
}

export interface RenderedChart {
  /** Rendered output per template file (`templates/deployment.yaml`, `templates/NOTES.txt`, …). */
  readonly files: ReadonlyMap<string, string>;
  /** The merged values the templates saw. */
  readonly values: Record<string, Value>;
}

/** Renders every template of a chart, like `helm template`. */
export function renderChart(options: RenderChartOptions): RenderedChart {
  const chart = parse(readFileSync(join(options.chartDir, 'Chart.yaml'), 'utf8')) as Record<string, string>;
  const defaults = (parse(readFileSync(join(options.chartDir, 'values.yaml'), 'utf8')) ?? {}) as Record<
    string,
    Value
  >;
  const values = mergeValues(defaults, options.values ?? {});
  const templatesDir = join(options.chartDir, 'templates');
  const names = readdirSync(templatesDir).sort();
  const defines = new Map<string, Node[]>();
  const parsed = new Map<string, Node[]>();
  for (const name of names)
    parsed.set(name, parseTemplate(readFileSync(join(templatesDir, name), 'utf8'), name, defines));
  const renderer = new Renderer(defines);
  const files = new Map<string, string>();
  for (const [name, nodes] of parsed) {
    if (name.startsWith('_')) continue;
    const context: RenderContext = {
      Values: values,
      Release: {
        Name: options.releaseName ?? 'semroute',
        Namespace: options.namespace ?? 'default',
        Service: 'Helm',
        IsInstall: true,
        IsUpgrade: false,
      },
      Chart: {
        Name: chart.name as string,
        Version: chart.version as string,
        AppVersion: chart.appVersion as string,
      },
      Template: { Name: `${chart.name}/templates/${name}`, BasePath: `${chart.name}/templates` },
    };
    try {
      files.set(
        `templates/${name}`,
        renderer.renderNodes(nodes, context, { vars: new Map([['$', context]]), parent: undefined }),
      );
    } catch (error) {
      throw new Error(`templates/${name}: ${(error as Error).message}`);
    }
  }
  return { files, values };
}
