// The model view: a sheet grid with tabs; a click on a cell marks it as an input (a
// distribution with a live density preview) or an output; then a run is started.
import { ApiError, get, idempotencyKey, request } from "../api";
import { chartIn, densityPreview } from "../charts";
import { DISTRIBUTIONS, choice, densityPoints } from "../distributions";
import { clear, field, formatNumber, h } from "../dom";
import type { SheetCell, SheetWindow, Workbook, WorkbookSummary } from "../types";
import { errorBox, heading, hideError, showError, statusBadge } from "../ui";
import { correlationEditor } from "./correlation";
import { address, correlationOf, loadMarks, saveMarks, type Marks } from "./marks";

function columnName(index: number): string {
  let name = "";
  for (let i = index; i > 0; i = Math.floor((i - 1) / 26)) name = String.fromCharCode(65 + ((i - 1) % 26)) + name;
  return name;
}

export async function modelPage(main: HTMLElement, workbookId: string): Promise<void> {
  const error = errorBox();
  let workbook: Workbook;
  try {
    workbook = await get<Workbook>(`/v1/workbooks/${workbookId}`);
  } catch (err) {
    main.append(heading("Model"), error);
    showError(error, err);
    return;
  }
  if (workbook.status !== "parsed") {
    main.append(heading(workbook.filename ?? "Model", statusBadge(workbook.status)), error);
    showError(error, new Error(workbook.status === "rejected" ? `The workbook was rejected: ${workbook.reason}` : "The workbook is still being parsed; reload in a moment."));
    return;
  }
  const summary = workbook.summary as WorkbookSummary;
  const marks: Marks = loadMarks(workbookId);
  const riskCells = new Set([...summary.risk_inputs.map((r) => r.cell), ...summary.risk_outputs]);
  const candIn = new Set(summary.candidate_inputs);
  const candOut = new Set(summary.candidate_outputs);
  let sheet = summary.sheets[0]?.name ?? "";
  let selected: SheetCell | null = null;

  const tabs = h("div", { role: "tablist", "aria-label": "Sheets", class: "tabs" });
  const grid = h("div", { class: "grid-wrap", role: "tabpanel", tabindex: 0, id: "sheet-panel" });
  const windowBox = h("div");
  const panel = h("aside", { class: "card cell-panel", "aria-labelledby": "cell-title", "data-testid": "cell-panel" });
  const marked = h("section", { class: "card", "aria-labelledby": "marks-title", "data-testid": "marks" });
  const runError = errorBox();

  const persist = () => { saveMarks(workbookId, marks); drawMarks(); drawGrid(); };

  function cellClasses(ref: string, cell: SheetCell): string {
    const out = ["cell"];
    if (cell.formula) out.push("is-formula");
    if (candIn.has(ref)) out.push("cand-in");
    if (candOut.has(ref)) out.push("cand-out");
    if (riskCells.has(ref) || /\bRisk[A-Z]\w*\(/.test(cell.formula ?? "")) out.push("risk");
    if (marks.inputs[ref]) out.push("marked-in");
    if (marks.outputs.includes(ref)) out.push("marked-out");
    if (selected && address(sheet, selected.cell) === ref) out.push("selected");
    return out.join(" ");
  }

  let sheetWindow: SheetWindow | null = null;
  function bounds(range: string): [number, number, number, number] {
    const m = /^([A-Z]+)(\d+):([A-Z]+)(\d+)$/.exec(range);
    if (!m) return [1, 1, 1, 1];
    const col = (letters: string) => [...letters].reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0);
    return [Number(m[2]), col(m[1]), Number(m[4]), col(m[3])];
  }

  function drawGrid(): void {
    if (!sheetWindow) return;
    const byPos = new Map(sheetWindow.cells.map((c) => [`${c.row}:${c.column}`, c]));
    const [r1, c1, r2, c2] = bounds(sheetWindow.range);
    // the window, down to its farthest content: no empty rows or columns past it
    const lastRow = Math.max(r1, Math.min(r2, Math.max(0, ...sheetWindow.cells.map((c) => c.row))));
    const lastCol = Math.max(c1, Math.min(c2, Math.max(0, ...sheetWindow.cells.map((c) => c.column))));
    const rows = Array.from({ length: lastRow - r1 + 1 }, (_, i) => r1 + i);
    const cols = Array.from({ length: lastCol - c1 + 1 }, (_, i) => c1 + i);
    const head = h("tr", {}, h("th", { scope: "col", class: "corner" }, h("span", { class: "visually-hidden" }, "Row")),
      cols.map((c) => h("th", { scope: "col" }, columnName(c))));
    const body = rows.map((r) => h("tr", {},
      h("th", { scope: "row" }, r),
      cols.map((c) => {
        const cell = byPos.get(`${r}:${c}`);
        if (!cell) return h("td", {});
        const ref = address(sheet, cell.cell);
        const shown = typeof cell.value === "number" ? formatNumber(cell.value, 6) : String(cell.value ?? "");
        const notes = [cell.formula ? `formula ${cell.formula}` : null, marks.inputs[ref] ? "marked input" : null,
          marks.outputs.includes(ref) ? "marked output" : null].filter(Boolean).join(", ");
        return h("td", {}, h("button", { type: "button", class: cellClasses(ref, cell), "data-cell": ref,
          title: cell.formula ?? undefined, "aria-label": `${cell.cell}: ${shown}${notes ? `, ${notes}` : ""}`,
          onclick: () => select(cell) }, shown));
      })));
    const range = h("input", { type: "text", name: "range", value: sheetWindow.range, size: 12, spellcheck: false });
    const move = h("form", { class: "row window", onsubmit: (e: Event) => { e.preventDefault(); void showSheet(sheet, range.value.trim().toUpperCase()); } },
      field("Cells shown", range, `${sheetWindow.truncated ? "Part of a" : "A"} sheet of ${sheetWindow.rows} rows × ${sheetWindow.columns} columns; up to 20,000 cells at a time.`),
      h("button", { type: "submit" }, "Show"));
    clear(grid, h("table", { class: "sheet", "data-testid": "sheet-grid", "data-sheet": sheet },
      h("caption", { class: "visually-hidden" }, `Sheet ${sheet}, ${sheetWindow.range}`), h("thead", {}, head), h("tbody", {}, body)));
    clear(windowBox, move);
  }

  async function showSheet(name: string, range?: string): Promise<void> {
    sheet = name;
    for (const tab of tabs.querySelectorAll<HTMLButtonElement>("[role=tab]")) {
      const on = tab.dataset.sheet === name;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
    }
    hideError(error);
    try {
      const query = range ? `?range=${encodeURIComponent(range)}` : "";
      sheetWindow = await get<SheetWindow>(`/v1/workbooks/${workbookId}/sheets/${encodeURIComponent(name)}${query}`);
      drawGrid();
    } catch (err) {
      showError(error, err);
    }
  }

  function select(cell: SheetCell): void {
    selected = cell;
    drawGrid();
    const ref = address(sheet, cell.cell);
    const current = marks.inputs[ref];
    const dist = h("select", { name: "distribution" }, DISTRIBUTIONS.map((d) => h("option", { value: d.name, selected: current?.distribution === d.name }, d.label)));
    const paramsBox = h("div", { class: "params" });
    const preview = h("div", { class: "chart small" });
    const problem = h("p", { class: "hint", role: "status" });
    let paramInputs: HTMLInputElement[] = [];
    const base = typeof cell.value === "number" ? cell.value : 0;

    const params = () => paramInputs.map((i) => Number(i.value));
    const redraw = () => {
      const d = choice(dist.value);
      const values = params();
      const issue = values.some((v) => !Number.isFinite(v)) ? "every parameter must be a number" : d.check(values);
      problem.textContent = issue ? `${d.label}: ${issue}` : "";
      if (!issue) densityPreview(chartIn(preview, "density", `Density of ${d.label}(${values.join(", ")})`), densityPoints(d, values));
    };
    const drawParams = () => {
      const d = choice(dist.value);
      const values = current?.distribution === d.name ? current.params : d.defaults(base);
      paramInputs = d.params.map((p, i) => h("input", { type: "number", step: "any", name: p, value: String(values[i]), oninput: redraw }));
      clear(paramsBox, d.params.map((p, i) => field(p, paramInputs[i])));
      redraw();
    };
    dist.addEventListener("change", drawParams);

    const saveInput = h("button", { type: "button", class: "primary", onclick: () => {
      const d = choice(dist.value);
      const issue = d.check(params());
      if (issue) { problem.textContent = `${d.label}: ${issue}`; return; }
      marks.inputs[ref] = { distribution: d.name, params: params() };
      marks.outputs = marks.outputs.filter((c) => c !== ref);
      persist();
    } }, "Mark as input");
    const markOutput = h("button", { type: "button", onclick: () => {
      delete marks.inputs[ref];
      if (!marks.outputs.includes(ref)) marks.outputs.push(ref);
      persist();
    } }, "Mark as output");
    const unmark = h("button", { type: "button", class: "link", onclick: () => {
      delete marks.inputs[ref];
      for (const key of Object.keys(marks.correlations ?? {})) if (key.split(" ~ ").includes(ref)) delete marks.correlations![key];
      marks.outputs = marks.outputs.filter((c) => c !== ref);
      persist();
    } }, "Clear the mark");

    clear(panel,
      h("h2", { id: "cell-title" }, ref),
      h("dl", { class: "facts" },
        h("dt", {}, "Value"), h("dd", {}, String(cell.value ?? "")),
        h("dt", {}, "Formula"), h("dd", {}, cell.formula ? h("code", {}, cell.formula) : "—")),
      riskCells.has(ref) ? h("p", { class: "hint" }, "This cell already holds an @RISK function; it is simulated as written.") : null,
      h("fieldset", {}, h("legend", {}, "As an input"), field("Distribution", dist), paramsBox,
        h("div", { class: "preview-label", "aria-hidden": "true" }, "Density preview"), preview, problem, saveInput),
      h("div", { class: "actions" }, markOutput, unmark));
    drawParams();
  }

  function drawMarks(): void {
    const inputs = Object.entries(marks.inputs);
    const correlations = h("div");
    correlationEditor(correlations, marks, () => saveMarks(workbookId, marks));
    clear(marked, h("h2", { id: "marks-title" }, "Inputs and outputs"),
      h("h3", {}, "Inputs"),
      inputs.length ? h("ul", { "data-testid": "marked-inputs" }, inputs.map(([cell, m]) => h("li", {}, h("code", {}, cell), ` ${m.distribution}(${m.params.join(", ")})`)))
        : h("p", {}, "None yet: click a value cell and mark it as an input. @RISK functions in cells are used as they are."),
      h("h3", {}, "Outputs"),
      marks.outputs.length ? h("ul", { "data-testid": "marked-outputs" }, marks.outputs.map((c) => h("li", {}, h("code", {}, c))))
        : h("p", {}, `None yet: ${summary.risk_outputs.length ? `the RiskOutput() cells (${summary.risk_outputs.join(", ")}) are simulated` : "click a formula cell and mark it as an output"}.`),
      correlations);
  }

  // the run form
  const iterations = h("input", { type: "number", name: "iterations", min: 1, max: 100000000, value: "10000", required: true });
  const seed = h("input", { type: "number", name: "seed", min: 0, placeholder: "random" });
  const sampling = h("select", { name: "sampling" }, h("option", { value: "lhs" }, "Latin hypercube"), h("option", { value: "mc" }, "Monte Carlo"));
  const backend = h("select", { name: "backend" }, h("option", { value: "numpy" }, "CPU (numpy)"), h("option", { value: "cupy" }, "GPU (cupy)"));
  const targets = h("input", { type: "text", name: "targets", placeholder: "e.g. 0, 100000", inputmode: "decimal" });
  const start = h("button", { type: "submit", class: "primary", "data-testid": "start" }, "Start the simulation");
  const form = h("form", { class: "card run", "aria-labelledby": "run-title", onsubmit: async (e: Event) => {
    e.preventDefault();
    hideError(runError);
    start.disabled = true;
    const body = {
      workbook_id: workbookId,
      inputs: marks.inputs,
      outputs: marks.outputs,
      iterations: Number(iterations.value),
      seed: seed.value === "" ? null : Number(seed.value),
      sampling: sampling.value,
      backend: backend.value,
      targets: targets.value.split(",").map((t) => t.trim()).filter(Boolean).map(Number),
      correlation: correlationOf(marks),
    };
    try {
      const answer = await request<{ simulation_id: string }>("POST", "/v1/simulations", { json: body, headers: { "Idempotency-Key": idempotencyKey() } });
      location.hash = `#/simulations/${answer.simulation_id}`;
    } catch (err) {
      showError(runError, err instanceof ApiError ? err : new Error(String(err)));
      start.disabled = false;
    }
  } },
    h("h2", { id: "run-title" }, "Run"),
    h("div", { class: "row" }, field("Iterations", iterations), field("Seed", seed, "Empty: a new seed each run."),
      field("Sampling", sampling), field("Backend", backend), field("Targets", targets, "P(output < target) for each, comma-separated.")),
    runError, start);

  for (const s of summary.sheets) {
    tabs.append(h("button", { type: "button", role: "tab", "aria-controls": "sheet-panel", "data-sheet": s.name, onclick: () => void showSheet(s.name) }, s.name));
  }
  tabs.addEventListener("keydown", (e: KeyboardEvent) => {
    const all = [...tabs.querySelectorAll<HTMLButtonElement>("[role=tab]")];
    const at = all.findIndex((t) => t.dataset.sheet === sheet);
    const step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
    if (!step) return;
    const next = all[(at + step + all.length) % all.length];
    next.focus();
    void showSheet(next.dataset.sheet!);
  });
  clear(panel, h("h2", { id: "cell-title" }, "No cell selected"), h("p", {}, "Click a cell of the grid to mark it as an input or an output."));
  drawMarks();

  const legend = h("ul", { class: "legend", "aria-label": "Legend" },
    h("li", {}, h("span", { class: "swatch cand-in" }), "candidate input"),
    h("li", {}, h("span", { class: "swatch cand-out" }), "candidate output"),
    h("li", {}, h("span", { class: "swatch risk" }), "@RISK function"),
    h("li", {}, h("span", { class: "swatch marked-in" }), "marked input"),
    h("li", {}, h("span", { class: "swatch marked-out" }), "marked output"));

  main.append(
    heading(workbook.filename ?? "Model", h("a", { href: "#/workbooks" }, "All workbooks")),
    error,
    h("div", { class: "model" }, h("section", { class: "sheet-area", "aria-label": "Sheets" }, tabs, legend, grid, windowBox), panel),
    marked, form);
  await showSheet(sheet);
}
