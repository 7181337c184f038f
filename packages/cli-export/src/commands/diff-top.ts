/** The --top table of `nfw-flows diff`: the change rows ranked by a rate or a delta. */
import type { Row } from '@nfw-flows/core';
import type { DiffPlan, Ranking } from '../plans/diff-plan.js';
import { RANKINGS } from '../plans/diff-plan.js';
import { formatBytes, formatCount } from '../progress.js';
import type { RunContext } from './export.js';
import { bar, renderTable } from './table.js';

/** Keeps the n rows ranked highest by a numeric column (ties: earlier rows first). */
export class TopRows {
  private rows: { row: Row; value: number; seq: number }[] = [];
  private seq = 0;
  constructor(
    private readonly n: number,
    private readonly column: string,
  ) {}
  add(row: Row): void {
    const v = row[this.column];
    if (v === null || v === undefined) return;
    this.rows.push({ row, value: Number(v), seq: this.seq++ });
    if (this.rows.length >= 2 * this.n + 1024) this.trim();
  }
  private trim(): void {
    this.rows.sort((a, b) => b.value - a.value || a.seq - b.seq);
    this.rows.length = Math.min(this.rows.length, this.n);
  }
  result(): Row[] {
    this.trim();
    return this.rows.map((r) => r.row);
  }
}

function jsonValue(v: Row[string]): unknown {
  if (typeof v === 'bigint') return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  return v;
}

const num = (v: Row[string]): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0);

function endpoint(address: Row[string], from: Row[string], to: Row[string]): string {
  const a = String(address);
  const host = a.includes(':') ? `[${a}]` : a;
  if (from === null) return a;
  return from === to ? `${host}:${from}` : `${host}:${from}-${to}`;
}

const METRIC_TEXT: Record<Ranking, { title: string; text: (v: Row[string]) => string }> = {
  'bytes-per-second': { title: 'BYTES/S', text: (v) => `${formatBytes(num(v))}/s` },
  'packets-per-second': { title: 'PACKETS/S', text: (v) => num(v).toFixed(1) },
  'delta-bytes': { title: 'DELTA BYTES', text: (v) => formatBytes(num(v)) },
  'delta-packets': { title: 'DELTA PACKETS', text: (v) => formatCount(num(v)) },
};

/** The ranked rows: the --by metric with a bar, then the other metrics and the age. */
function renderTop(rows: Row[], by: Ranking): string {
  const order = [by, ...(Object.keys(RANKINGS) as Ranking[]).filter((m) => m !== by)];
  const max = Math.max(...rows.map((r) => num(r[RANKINGS[by]] ?? 0)));
  const header = ['#', 'CHANGE', 'SOURCE', 'DESTINATION', 'PROTO', METRIC_TEXT[by].title, ''];
  for (const m of order.slice(1)) header.push(METRIC_TEXT[m].title);
  header.push('AGE');
  const body = rows.map((r, i) => {
    const cells = [
      String(i + 1),
      `${String(r.change)}${r.counter_reset === 1 ? ' (reset)' : ''}`,
      endpoint(r.source_address ?? '', r.source_port_from ?? null, r.source_port_to ?? null),
      endpoint(r.destination_address ?? '', r.destination_port_from ?? null, r.destination_port_to ?? null),
      r.protocol_name === null || r.protocol_name === undefined ? '' : String(r.protocol_name),
    ];
    for (const [k, m] of order.entries()) {
      const v = r[RANKINGS[m]] ?? null;
      cells.push(v === null ? '' : METRIC_TEXT[m].text(v));
      if (k === 0) cells.push(bar(max > 0 ? num(v ?? 0) / max : 0, 16));
    }
    cells.push(
      r.age_seconds_after === null || r.age_seconds_after === undefined ? '' : `${r.age_seconds_after} s`,
    );
    return cells;
  });
  return renderTable(header, body, [0, 5, 7, 8, 9, 10]);
}

/** Prints the ranked rows (a table, or JSON with --json) on stdout. */
export function printTop(rows: Row[], top: NonNullable<DiffPlan['top']>, ctx: RunContext): void {
  if (top.json) {
    const plain = rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, jsonValue(v)])));
    ctx.stdout.write(`${JSON.stringify(plain, null, 2)}\n`);
  } else if (rows.length === 0) ctx.stderr.write('nfw-flows: no rows to rank\n');
  else ctx.stdout.write(renderTop(rows, top.by));
}
