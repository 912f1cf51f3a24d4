export interface Row {
  metric: string;
  value: string;
  aim?: string;
  /** true = pass, false = fail, undefined = informational. */
  pass?: boolean;
}

/** A plain-text table: metric | value | aim | result. */
export function renderTable(rows: Row[]): string {
  const cells = rows.map((r) => [r.metric, r.value, r.aim ?? '', r.pass === undefined ? '' : r.pass ? 'PASS' : 'FAIL']);
  const head = ['metric', 'value', 'ratio / aim', 'result'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => (i === 1 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(head), rule, ...cells.map(line)].join('\n');
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : 'n/a';
