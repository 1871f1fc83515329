// The shapes of the API's answers the workbench reads (see the OpenAPI document at /docs).

export interface RiskInput {
  cell: string;
  index: number;
  distribution: string;
  name: string | null;
}

export interface WorkbookSummary {
  sheets: { name: string; rows: number; columns: number }[];
  formula_count: number;
  candidate_inputs: string[];
  candidate_outputs: string[];
  risk_inputs: RiskInput[];
  risk_outputs: string[];
  unsupported_functions: Record<string, string[]>;
}

export interface Workbook {
  workbook_id: string;
  filename: string | null;
  sha256: string;
  size_bytes: number;
  status: "uploaded" | "parsed" | "rejected";
  summary?: WorkbookSummary | null;
  reason: string | null;
  uploaded_at: string | null;
  parsed_at: string | null;
  sheet_count?: number | null;
  formula_count?: number | null;
}

export interface UploadLimit {
  bytes: number;
  plan: string;
  applies: string;
}

export interface WorkbookPage {
  workbooks: Workbook[];
  next_cursor: string | null;
  has_more: boolean;
  upload_limit: UploadLimit;
}

export interface SheetCell {
  cell: string;
  row: number;
  column: number;
  value: number | string | boolean | null;
  formula: string | null;
}

export interface SheetWindow {
  sheet: string;
  rows: number;
  columns: number;
  range: string;
  truncated: boolean;
  cells: SheetCell[];
}

export interface Progress {
  simulation_id: string;
  status: string;
  iterations_done: number;
  iterations_total: number | null;
  fraction: number;
  eta_seconds: number | null;
}

export interface OutputResult {
  count: number;
  error_count: number;
  errors: Record<string, number>;
  mean: number;
  std: number;
  variance: number;
  skewness: number;
  kurtosis: number;
  min: number;
  max: number;
  median: number;
  percentiles: { p: number; value: number }[];
  histogram: { edges: number[]; counts: number[] } | null;
  cdf: { p: number[]; x: number[] } | null;
  var: { level: number; var: number; cvar: number; tail: string }[];
  targets: { target: number; p_below: number }[];
}

export interface Sensitivity {
  r_squared: number | null;
  sample_size: number;
  inputs: { input: string; src: number; spearman: number; contribution: number }[];
}

export interface Results {
  outputs: Record<string, OutputResult>;
  sensitivity: Record<string, Sensitivity>;
  iterations: number;
  seed: number | null;
  warnings: string[];
}

export interface Simulation {
  simulation_id: string;
  workbook_id: string;
  status: string;
  iterations: number;
  iterations_done: number | null;
  backend: string;
  request?: Record<string, unknown>;
  requested_at: string | null;
  finished_at: string | null;
  compute_seconds: number | null;
  results?: Results | null;
  reason: string | null;
}

export interface TrialSample {
  simulation_id: string;
  input: string;
  output: string;
  n: number;
  seed: number;
  input_values: number[];
  output_values: (number | null)[];
}
