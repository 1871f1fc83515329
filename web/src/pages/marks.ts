// The inputs and outputs an analyst marked on a workbook, kept for the browser session so that
// leaving the model view and coming back loses nothing.

export interface InputMark {
  distribution: string;
  params: number[];
}

export interface Marks {
  inputs: Record<string, InputMark>;
  outputs: string[];
  /** Rank correlations between two marked inputs, keyed by ``pairKey``. */
  correlations?: Record<string, number>;
}

export function pairKey(a: string, b: string): string {
  return [a, b].sort().join(" ~ ");
}

/** The request's ``correlation`` for the marked inputs, or null when none is correlated. */
export function correlationOf(marks: Marks): { cells: string[]; matrix: number[][] } | null {
  const cells = Object.keys(marks.inputs);
  const given = marks.correlations ?? {};
  const matrix = cells.map((a) => cells.map((b) => (a === b ? 1 : given[pairKey(a, b)] ?? 0)));
  return matrix.some((row, i) => row.some((v, j) => i !== j && v !== 0)) ? { cells, matrix } : null;
}

const key = (workbookId: string) => `riskstream.marks.${workbookId}`;

export function loadMarks(workbookId: string): Marks {
  const raw = sessionStorage.getItem(key(workbookId));
  return raw ? (JSON.parse(raw) as Marks) : { inputs: {}, outputs: [] };
}

export function saveMarks(workbookId: string, marks: Marks): void {
  sessionStorage.setItem(key(workbookId), JSON.stringify(marks));
}

/** ``Sheet!A1`` as the API takes it: a sheet name with spaces may stay unquoted, one holding
 * ``!`` or ``'`` is quoted as Excel writes it (``'A!B'!B1``, ``'It''s'!B1``). */
export function address(sheet: string, cell: string): string {
  if (/[!']/.test(sheet)) return `'${sheet.replace(/'/g, "''")}'!${cell}`;
  return `${sheet}!${cell}`;
}
