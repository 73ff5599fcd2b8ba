// Figures as the report page shows them (src/http/pages.ts), for a terminal.

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** 0.2 -> "20.0 %" */
export const percent = (value: unknown) =>
  isNumber(value) ? `${(value * 100).toFixed(1)} %` : '–';

/** A signed difference in percentage points: 0.013 -> "+1.3 pts" */
export const points = (value: unknown) =>
  isNumber(value)
    ? `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Math.abs(value * 100).toFixed(1)} pts`
    : '–';

/** "< 0.001" rather than 3.2e-7. */
export const pValue = (value: unknown) =>
  isNumber(value) ? (value < 0.001 ? '< 0.001' : value.toFixed(3)) : '–';

/** 1204 -> "1,204" */
export const count = (value: unknown) => (isNumber(value) ? value.toLocaleString('en') : '–');

/**
 * A plain text table: columns padded to their widest cell, numbers (`right`) aligned on the
 * right, two spaces between columns.
 */
export function table(headers: string[], rows: string[][], right: boolean[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (right[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `count` of a word, with the plural the word takes beyond one. */
export const plural = (n: number, one: string, many = `${one}s`) =>
  `${count(n)} ${n === 1 ? one : many}`;

/** Words wrapped at `width` columns, each line indented by `indent`. */
export function wrap(text: string, indent = '', width = 80): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}
