/** Plain text tables and unicode bars for the terminal (no colors: output is often piped or logged). */

/** Width of a string in terminal cells (our tables hold ASCII, block characters and arrows: 1 cell each). */
function cellWidth(text: string): number {
  return [...text].length;
}

/** Columns padded to their widest cell; `rightAligned` lists the indexes of numeric columns. */
export function renderTable(header: string[], rows: string[][], rightAligned: number[]): string {
  const widths = header.map((h, i) => Math.max(cellWidth(h), ...rows.map((r) => cellWidth(r[i] ?? ''))));
  const right = new Set(rightAligned);
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - cellWidth(c));
        if (i === cells.length - 1 && !right.has(i)) return c;
        return right.has(i) ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `fraction` (0..1) of `cells` cells, with eighth-block precision. */
export function bar(fraction: number, cells: number): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const eighths = Math.round(f * cells * 8);
  const full = Math.floor(eighths / 8);
  const rest = eighths % 8;
  const text = '█'.repeat(full) + EIGHTHS[rest]!;
  return text === '' && f > 0 ? '▏' : text;
}
