/** Markdown tables of the campaign and the figures section of RELIABILITY.md. */
import type { SummaryRow } from './campaign.js';
import type { CheckResult } from './cli-checks.js';
import type { FileCaseResult } from './file-fuzz.js';
import type { FuzzTarget } from './fuzz.js';

export const FIGURES_BEGIN = '<!-- reliability:figures:begin (written by pnpm reliability) -->';
export const FIGURES_END = '<!-- reliability:figures:end -->';

const n = (x: number) => x.toLocaleString('en-US');
const mib = (bytes: number) => (Math.max(0, bytes) / 2 ** 20).toFixed(1);

export function matrixTable(rows: readonly SummaryRow[]): string {
  const out = [
    '| runs that include | runs | faults injected | rows expected | rows sent (incl. re-sent) | rows written | lost | duplicated | runs with a violation |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    if (r.runs === 0) continue;
    out.push(
      `| ${r.group} | ${n(r.runs)} | ${n(r.injected)} | ${n(r.rowsCapture)} | ${n(r.rowsSent)} | ${n(r.rowsWritten)} | ${n(r.lost)} | ${n(r.duplicated)} | ${n(r.violations)} |`,
    );
  }
  return out.join('\n');
}

export function fuzzTable(targets: readonly FuzzTarget[]): string {
  const out = [
    '| function | inputs | accepted | refused (by code) | violations |',
    '| --- | ---: | ---: | --- | ---: |',
  ];
  for (const t of targets) {
    const refused = Object.entries(t.refused)
      .sort(([, a], [, b]) => b - a)
      .map(([code, count]) => `${code} ${n(count)}`)
      .join(', ');
    out.push(`| ${t.name} | ${n(t.inputs)} | ${n(t.accepted)} | ${refused} | ${n(t.violationCount)} |`);
  }
  const total = targets.reduce((s, t) => s + t.inputs, 0);
  out.push(`| total | ${n(total)} | | | ${n(targets.reduce((s, t) => s + t.violationCount, 0))} |`);
  const shown = targets.flatMap((t) => t.violations.map((v) => `- ${t.name}: ${v}`));
  return shown.length === 0 ? out.join('\n') : `${out.join('\n')}\n\n${shown.join('\n')}`;
}

export function fileFuzzTable(files: readonly FileCaseResult[], hostile: readonly FileCaseResult[]): string {
  const groups = new Map<string, FileCaseResult[]>();
  for (const f of files) {
    const key = f.mutation.replace(/[@×=].*$/, '');
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const out = [
    '| mutation | files | outcomes | records read before the fault | rejected | violations |',
    '| --- | ---: | --- | ---: | ---: | ---: |',
  ];
  for (const [key, fs] of groups) {
    const outcomes = new Map<string, number>();
    for (const f of fs) outcomes.set(f.code, (outcomes.get(f.code) ?? 0) + 1);
    out.push(
      `| ${key} | ${fs.length} | ${[...outcomes].map(([c, k]) => `${c} ${k}`).join(', ')} | ${n(fs.reduce((s, f) => s + f.emitted, 0))} | ${n(fs.reduce((s, f) => s + f.rejected, 0))} | ${fs.filter((f) => f.violations.length > 0).length} |`,
    );
  }
  out.push(
    '',
    '| hostile input | outcome | offset | peak RSS growth (MiB) | peak heap growth (MiB) | violations |',
    '| --- | --- | ---: | ---: | ---: | --- |',
  );
  for (const h of hostile) {
    out.push(
      `| ${h.name}: ${h.mutation} | ${h.code}${h.rejected ? ` (${h.rejected} rejected)` : ''} | ${h.offset ?? ''} | ${mib(h.peakRssGrowth)} | ${mib(h.peakHeapGrowth)} | ${h.violations.join('; ') || 'none'} |`,
    );
  }
  const bad = [...files, ...hostile].filter((f) => f.violations.length > 0);
  if (bad.length > 0) {
    out.push('', ...bad.slice(0, 10).map((f) => `- ${f.name} ${f.mutation}: ${f.violations.join('; ')}`));
  }
  return out.join('\n');
}

export function checksTable(checks: readonly CheckResult[]): string {
  const out = ['| check | result | detail |', '| --- | --- | --- |'];
  for (const c of checks)
    out.push(
      `| ${c.name} | ${c.ok ? 'ok' : '**FAIL**'} | ${c.detail.replaceAll('|', '\\|').replace(/\/tmp\/[^\s:']+/g, '…')} |`,
    );
  return out.join('\n');
}

/** Replace the text between the markers (or append the section when they are missing). */
export function replaceFigures(document: string, figures: string): string {
  const begin = document.indexOf(FIGURES_BEGIN);
  const end = document.indexOf(FIGURES_END);
  const block = `${FIGURES_BEGIN}\n${figures}\n${FIGURES_END}`;
  if (begin < 0 || end < begin) return `${document.trimEnd()}\n\n## Figures\n\n${block}\n`;
  return document.slice(0, begin) + block + document.slice(end + FIGURES_END.length);
}
