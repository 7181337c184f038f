/**
 * A fake stderr for progress tests: records every write and, for TTY mode, replays the bytes on a small
 * virtual terminal (cursor moves, line and screen clears as Node's readline writes them), so a test can
 * assert what a user would see on the screen, not only which escape codes were sent.
 */
import { Writable } from 'node:stream';

export class FakeStream extends Writable {
  readonly chunks: string[] = [];
  readonly isTTY: boolean;
  readonly columns: number;

  constructor(options: { isTTY: boolean; columns?: number }) {
    super({ decodeStrings: false });
    this.isTTY = options.isTTY;
    this.columns = options.columns ?? 120;
  }

  override _write(chunk: unknown, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    this.chunks.push(String(chunk));
    cb();
  }

  text(): string {
    return this.chunks.join('');
  }

  /** The stream typed as what createProgress and main() take. */
  asWriteStream(): NodeJS.WriteStream {
    return this as unknown as NodeJS.WriteStream;
  }
}

export interface Screen {
  /** Visible lines, right-trimmed, trailing empty lines removed. */
  lines: string[];
  row: number;
  col: number;
  /** The text of the cursor's line (right-trimmed). */
  cursorLine: string;
}

/** Replay terminal output (text, \r, \n as CR LF, CSI A/B/C/D/G/H/K/J, ESC 7/8, private modes). */
export function renderScreen(output: string): Screen {
  const screen: string[][] = [[]];
  let row = 0;
  let col = 0;
  let saved = { row: 0, col: 0 };
  const line = (r: number) => {
    while (screen.length <= r) screen.push([]);
    return screen[r]!;
  };
  let i = 0;
  while (i < output.length) {
    const ch = output[i]!;
    if (ch === '\n') {
      row++;
      col = 0;
      line(row);
      i++;
    } else if (ch === '\r') {
      col = 0;
      i++;
    } else if (ch === '\x1b') {
      const next = output[i + 1];
      if (next === '7' || next === '8') {
        if (next === '7') saved = { row, col };
        else ({ row, col } = saved);
        i += 2;
        continue;
      }
      const m = /^\x1b\[(\??)([\d;]*)([A-Za-z])/.exec(output.slice(i, i + 16));
      if (!m) throw new Error(`unknown escape sequence at ${i}: ${JSON.stringify(output.slice(i, i + 8))}`);
      i += m[0].length;
      const [, priv, params, cmd] = m;
      if (priv === '?') continue; // cursor visibility, line wrapping
      const nums = params!.split(';').map((p) => (p === '' ? undefined : Number(p)));
      const n = nums[0] ?? 1;
      switch (cmd) {
        case 'A':
          row = Math.max(0, row - n);
          break;
        case 'B':
          row += n;
          line(row);
          break;
        case 'C':
          col += n;
          break;
        case 'D':
          col = Math.max(0, col - n);
          break;
        case 'G':
          col = n - 1;
          break;
        case 'H':
          row = (nums[0] ?? 1) - 1;
          col = (nums[1] ?? 1) - 1;
          line(row);
          break;
        case 'K': {
          const l = line(row);
          const mode = nums[0] ?? 0;
          if (mode === 0) l.length = Math.min(l.length, col);
          else if (mode === 1) for (let c = 0; c <= col && c < l.length; c++) l[c] = ' ';
          else l.length = 0;
          break;
        }
        case 'J': {
          if ((nums[0] ?? 0) !== 0) throw new Error(`unsupported J mode ${nums[0]}`);
          line(row).length = Math.min(line(row).length, col);
          screen.length = row + 1;
          break;
        }
        default:
          throw new Error(`unsupported CSI ${cmd}`);
      }
    } else {
      const l = line(row);
      while (l.length < col) l.push(' ');
      l[col++] = ch;
      i++;
    }
  }
  const lines = screen.map((l) => l.join('').trimEnd());
  const cursorLine = lines[row] ?? '';
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return { lines, row, col, cursorLine };
}
