import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeValues, renderChart } from './render-helm-chart.js';

const root = mkdtempSync(join(tmpdir(), 'semroute-render-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

/** Renders one template against a throwaway chart. */
function renderOne(template: string, values: Record<string, unknown> = {}, helpers = ''): string {
  const chartDir = join(root, `chart-${counter++}`);
  mkdirSync(join(chartDir, 'templates'), { recursive: true });
  writeFileSync(
    join(chartDir, 'Chart.yaml'),
    'apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: "4.5"\n',
  );
  writeFileSync(join(chartDir, 'values.yaml'), 'a: {b: 1}\nlist: [x, y]\nempty: ""\n');
  writeFileSync(join(chartDir, 'templates', '_helpers.tpl'), helpers);
  writeFileSync(join(chartDir, 'templates', 'out.yaml'), template);
  return renderChart({ chartDir, values, releaseName: 'rel', namespace: 'ns' }).files.get(
    'templates/out.yaml',
  ) as string;
}

describe('renderChart (the Helm template subset)', () => {
  it('trims whitespace around {{- and -}}', () => {
    expect(renderOne('a:\n  {{- " x" }}\nb: {{ 1 -}}\n\n  c')).toBe('a: x\nb: 1c');
  });

  it('passes the piped value as the last argument', () => {
    expect(
      renderOne(
        '{{ .Values.empty | default "d" | quote }} {{ printf "%s-%s" .Release.Name .Chart.Name | upper }}',
      ),
    ).toBe('"d" REL-DEMO');
  });

  it('renders toYaml | nindent and merged overrides', () => {
    expect(renderOne('x:{{ toYaml .Values.a | nindent 2 }}', { a: { c: 'z' } })).toBe('x:\n  b: 1\n  c: z');
  });

  it('supports if / else if / else, with, range and variables', () => {
    const template =
      '{{ $n := .Values.a.b }}{{ if eq $n 2 }}two{{ else if eq $n 1 }}one{{ else }}other{{ end }}|{{ with .Values.a }}{{ .b }}{{ end }}|{{ range $i, $v := .Values.list }}{{ $i }}{{ $v }}{{ $.Release.Namespace }}{{ end }}';
    expect(renderOne(template)).toBe('one|1|0xns1yns');
    expect(renderOne('{{ with .Values.empty }}set{{ else }}unset{{ end }}')).toBe('unset');
  });

  it('includes defined templates with their own dot', () => {
    expect(
      renderOne(
        '{{ include "demo.name" . }}',
        {},
        '{{- define "demo.name" -}}{{ .Chart.Name }}-{{ .Values.a.b }}{{- end -}}',
      ),
    ).toBe('demo-1');
  });

  it('fails like Helm on a field of nil, required and fail', () => {
    expect(() => renderOne('{{ .Values.missing.field }}')).toThrow(/nil pointer/);
    expect(() => renderOne('{{ required "need x" .Values.x }}')).toThrow(/need x/);
    expect(() => renderOne('{{ fail "stop" }}')).toThrow(/stop/);
  });

  it('rejects what it does not model instead of rendering it wrong', () => {
    expect(() => renderOne('{{ tpl .Values.empty . }}')).toThrow(/unsupported function "tpl"/);
    expect(() => renderOne('{{ .Values.a }}')).toThrow(/needs toYaml/);
    expect(() => renderOne('{{ template "x" . }}')).toThrow(/not supported/);
    expect(() => renderOne('{{ if .Values.a }}open')).toThrow(/unterminated if/);
  });

  it('coalesces values like Helm: maps merge, null deletes', () => {
    expect(mergeValues({ a: { b: 1, c: 2 }, d: 3 }, { a: { c: null, e: 4 }, d: [1] })).toEqual({
      a: { b: 1, e: 4 },
      d: [1],
    });
  });
});
