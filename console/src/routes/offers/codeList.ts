// A file of coupon codes from the brand's POS, read in the browser: a CSV with a `code` column
// (its first line the header), or a plain list with one code a line. Blank lines are skipped;
// each code keeps its line in the file, so what the server rejects can be shown where it is.

export interface CodeLine {
  line: number;
  code: string;
}

/** A CSV line's cells: commas split, double quotes enclose (`""` is a quote). */
function cells(text: string): string[] {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cell);
      cell = '';
    } else {
      cell += c;
    }
  }
  out.push(cell);
  return out.map((value) => value.trim());
}

export function readCodes(text: string): CodeLine[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\n|\r/);
  const first = lines.findIndex((line) => line.trim() !== '');
  if (first < 0) return [];
  const column = cells(lines[first] ?? '').findIndex((cell) => cell.toLowerCase() === 'code');
  const codes: CodeLine[] = [];
  lines.forEach((text, i) => {
    if (text.trim() === '' || (column >= 0 && i <= first)) return;
    codes.push({ line: i + 1, code: column >= 0 ? (cells(text)[column] ?? '') : text.trim() });
  });
  return codes;
}

/** `items` in pieces of at most `size`. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
