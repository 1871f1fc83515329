// One simulation: live progress from the API's server-sent events, cancel, then the results:
// histogram with two delimiters, CDF, statistics, tornado, scatter and convergence per output,
// another run's histogram and CDF drawn over them; the statistics as CSV and as an Excel report.
import { ApiError, download, get, idempotencyKey, request, streamEvents } from "../api";
import { cdfChart, chartIn, histogram, probabilityBelow, tornado, type CdfLine, type Delimiters } from "../charts";
import { clear, field, formatNumber, h } from "../dom";
import { refreshHeader } from "../header";
import type { OutputResult, Progress, Results, Simulation } from "../types";
import { errorBox, hideError, showError, statusBadge, when } from "../ui";
import { trialsView } from "./trials";

const FINAL = new Set(["completed", "failed", "rejected", "cancelled"]);

function progressBar(): { el: HTMLElement; set: (p: Partial<Progress>) => void } {
  const fill = h("div", { class: "fill" });
  const bar = h("div", { class: "progress", role: "progressbar", "aria-label": "Simulation progress",
    "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 0, "data-testid": "progress" }, fill);
  const text = h("p", { class: "status", "aria-live": "polite", "data-testid": "progress-text" }, "Waiting for a runner…");
  const set = (p: Partial<Progress>) => {
    const pct = Math.round((p.fraction ?? 0) * 1000) / 10;
    bar.setAttribute("aria-valuenow", String(pct));
    bar.setAttribute("aria-valuetext", `${pct} %`);
    fill.style.width = `${pct}%`;
    const of = p.iterations_total ? ` of ${formatNumber(p.iterations_total)}` : "";
    const eta = p.eta_seconds && p.status === "running" ? ` · about ${Math.ceil(p.eta_seconds)} s left` : "";
    text.textContent = `${p.status ?? ""} · ${pct} % · ${formatNumber(p.iterations_done ?? 0)}${of} iterations${eta}`;
  };
  return { el: h("div", {}, bar, text), set };
}

function statsTable(out: OutputResult): HTMLElement {
  const rows: [string, unknown][] = [
    ["Trials", out.count], ["Trials in error", out.error_count], ["Mean", out.mean], ["Std deviation", out.std],
    ["Minimum", out.min], ["Maximum", out.max], ["Median", out.median], ["Skewness", out.skewness], ["Kurtosis", out.kurtosis],
    ...out.percentiles.map((p): [string, unknown] => [`${p.p} % percentile`, p.value]),
    ...out.var.map((v): [string, unknown] => [`VaR ${formatNumber(v.level * 100, 3)} % (${v.tail}) / CVaR`, `${formatNumber(v.var)} / ${formatNumber(v.cvar)}`]),
    ...out.targets.map((t): [string, unknown] => [`P(< ${formatNumber(t.target)})`, `${formatNumber(t.p_below * 100, 4)} %`]),
  ];
  return h("table", { class: "data stats", "data-testid": "statistics" },
    h("caption", { class: "visually-hidden" }, "Statistics"),
    h("tbody", {}, rows.map(([name, value]) => h("tr", {}, h("th", { scope: "row" }, name), h("td", { class: "num" }, formatNumber(value))))));
}

function outputView(box: HTMLElement, simulationId: string, results: Results, output: string, others: Simulation[]): void {
  const out = results.outputs[output];
  const sens = results.sensitivity[output];
  const histBox = h("div", { class: "chart", "data-testid": "histogram" });
  const cdfBox = h("div", { class: "chart", "data-testid": "cdf" });
  const tornadoBox = h("div", { class: "chart", "data-testid": "tornado" });
  const below = h("output", { "data-testid": "p-left" });
  const between = h("output", { "data-testid": "p-between" });
  const above = h("output", { "data-testid": "p-right" });
  const leftInput = h("input", { type: "number", step: "any", name: "left" });
  const rightInput = h("input", { type: "number", step: "any", name: "right" });
  const measure = h("select", { name: "measure" }, h("option", { value: "spearman" }, "Rank correlation"), h("option", { value: "contribution" }, "Contribution to variance"));
  const compare = h("select", { name: "compare" }, h("option", { value: "" }, "No other run"),
    others.map((o) => h("option", { value: o.simulation_id }, `${o.simulation_id.slice(0, 8)} · ${formatNumber(o.iterations)} iterations · ${when(o.requested_at)}`)));
  const compareError = errorBox();
  const pct = (p: number) => `${(p * 100).toFixed(1)} %`;
  let moveLines: (d: Delimiters) => void = () => undefined;
  let current: Delimiters = { left: 0, right: 0 }; // where the delimiters are: kept when the histogram is redrawn

  const show = (d: Delimiters) => {
    if (!out.cdf) return;
    current = d;
    const lo = probabilityBelow(out.cdf, d.left), hi = probabilityBelow(out.cdf, d.right);
    below.textContent = pct(lo);
    between.textContent = pct(hi - lo);
    above.textContent = pct(1 - hi);
    leftInput.value = String(Number(d.left.toPrecision(6)));
    rightInput.value = String(Number(d.right.toPrecision(6)));
  };
  const typed = () => {
    const d = { left: Number(leftInput.value), right: Number(rightInput.value) };
    if (!Number.isFinite(d.left) || !Number.isFinite(d.right)) return;
    show(d);
    moveLines(d);
  };
  leftInput.addEventListener("change", typed);
  rightInput.addEventListener("change", typed);

  clear(box,
    h("div", { class: "results-grid" },
      h("section", { class: "card", "aria-labelledby": "hist-title" },
        h("h3", { id: "hist-title" }, `Distribution of ${output}`),
        histBox,
        h("div", { class: "delimiters" },
          field("Left delimiter", leftInput), field("Right delimiter", rightInput),
          h("p", { class: "probabilities" }, "Below: ", below, " · Between: ", between, " · Above: ", above))),
      h("section", { class: "card", "aria-labelledby": "cdf-title" }, h("h3", { id: "cdf-title" }, "Cumulative distribution"),
        cdfBox, others.length ? field("Compare with another run of this workbook", compare) : null, compareError),
      h("section", { class: "card", "aria-labelledby": "stats-title" }, h("h3", { id: "stats-title" }, "Statistics"), statsTable(out)),
      h("section", { class: "card", "aria-labelledby": "tornado-title" },
        h("h3", { id: "tornado-title" }, "Tornado: what drives it"), field("Measure", measure), tornadoBox,
        sens ? h("p", { class: "hint" }, `R² of the regression: ${formatNumber(sens.r_squared ?? NaN, 3)}`) : null)),
    trialsView(simulationId, output,
      [...(sens?.inputs ?? [])].sort((a, b) => Math.abs(b.spearman) - Math.abs(a.spearman)).map((i) => i.input),
      out.percentiles.map((p) => p.p)));

  if (out.histogram && out.cdf) {
    const p5 = out.percentiles.find((p) => p.p === 5)?.value ?? out.min;
    const p95 = out.percentiles.find((p) => p.p === 95)?.value ?? out.max;
    const start = { left: p5, right: p95 };
    const hist = out.histogram;
    const drawHistogram = (overlay?: { name: string; bins: { edges: number[]; counts: number[] } }) => {
      moveLines = histogram(chartIn(histBox, "histogram", `Histogram of ${output}${overlay ? ", compared" : ""}`),
        hist, current, show, overlay);
    };
    current = start;
    drawHistogram();
    show(start);
    const thisRun = { name: "this run", cdf: out.cdf };
    const drawCdf = (others: CdfLine[]) =>
      cdfChart(chartIn(cdfBox, "cdf", `Cumulative distribution of ${output}${others.length ? ", compared" : ""}`), [thisRun, ...others]);
    drawCdf([]);
    compare.addEventListener("change", async () => {
      hideError(compareError);
      if (!compare.value) {
        drawHistogram();
        return drawCdf([]);
      }
      try {
        const other = await get<Simulation>(`/v1/simulations/${compare.value}`);
        const cdf = other.results?.outputs[output]?.cdf;
        const bins = other.results?.outputs[output]?.histogram;
        if (!cdf || !bins) throw new Error(`Simulation ${compare.value.slice(0, 8)} has no results for ${output}.`);
        const name = `run ${compare.value.slice(0, 8)}`;
        drawHistogram({ name, bins });
        drawCdf([{ name, cdf }]);
      } catch (err) {
        showError(compareError, err);
      }
    });
  } else {
    histBox.textContent = "No trial gave a number: nothing to draw.";
  }
  const drawTornado = () => {
    const key = measure.value as "spearman" | "contribution";
    const label = key === "spearman" ? "rank correlation" : "contribution to variance";
    tornado(chartIn(tornadoBox, "tornado", `Tornado of ${output} by ${label}`),
      (sens?.inputs ?? []).map((i) => ({ input: i.input, value: i[key] })), label);
  };
  measure.addEventListener("change", drawTornado);
  drawTornado();
}

function resultsView(simulationId: string, results: Results, others: Simulation[]): HTMLElement {
  const names = Object.keys(results.outputs);
  const box = h("div");
  const picker = h("select", { name: "output" }, names.map((n) => h("option", { value: n }, n)));
  picker.addEventListener("change", () => outputView(box, simulationId, results, picker.value, others));
  const csv = h("button", { type: "button", onclick: () => {
    const lines = ["output,statistic,value"];
    for (const [name, out] of Object.entries(results.outputs)) {
      for (const k of ["count", "mean", "std", "min", "max", "median", "skewness", "kurtosis"] as const) lines.push(`"${name}",${k},${out[k]}`);
      for (const p of out.percentiles) lines.push(`"${name}",p${p.p},${p.value}`);
    }
    const link = h("a", { href: URL.createObjectURL(new Blob([lines.join("\n")], { type: "text/csv" })), download: "results.csv" });
    link.click();
  } }, "Download statistics (CSV)");
  const reportError = errorBox();
  const report = h("button", { type: "button", "data-testid": "report", onclick: () => {
    hideError(reportError);
    download(`/v1/simulations/${simulationId}/report.xlsx`, `riskstream-${simulationId}.xlsx`)
      .catch((err) => showError(reportError, err));
  } }, "Download report (Excel, with charts)");
  const section = h("section", { "aria-labelledby": "results-title", "data-testid": "results" },
    h("h2", { id: "results-title" }, "Results"),
    h("div", { class: "row" }, names.length > 1 ? field("Output", picker) : null, csv, report),
    reportError,
    results.warnings.length ? h("ul", { class: "warnings" }, results.warnings.map((w) => h("li", {}, w))) : null,
    box);
  queueMicrotask(() => outputView(box, simulationId, results, names[0], others));
  return section;
}

/** The tenant's other completed runs of the same workbook, to compare with. */
async function otherRuns(sim: Simulation): Promise<Simulation[]> {
  const { simulations } = await get<{ simulations: Simulation[] }>("/v1/simulations?status=completed&limit=100");
  return simulations.filter((s) => s.workbook_id === sim.workbook_id && s.simulation_id !== sim.simulation_id);
}

interface AuditEntry {
  who: string | null;
  what: string;
  when: string;
  event_id: string;
}

/** The simulation's audit trail: every event of it, oldest first. */
async function auditTrail(simulationId: string): Promise<HTMLElement> {
  const { events } = await get<{ events: AuditEntry[] }>(`/v1/audit/events?aggregate=${simulationId}&limit=200`);
  return h("details", { class: "card", "data-testid": "audit" },
    h("summary", {}, `Audit trail (${events.length} events)`),
    h("table", { class: "data" },
      h("thead", {}, h("tr", {}, ["When", "What", "Who", "Event"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, events.map((e) => h("tr", {}, h("td", {}, when(e.when)), h("td", {}, h("code", {}, e.what)),
        h("td", {}, e.who ?? "—"), h("td", {}, h("code", {}, e.event_id.slice(0, 12))))))));
}

/** The simulation once its view has it: a start is recorded before the view shows it. */
async function known(simulationId: string, signal: AbortSignal): Promise<Simulation> {
  for (let tries = 0; ; tries++) {
    try {
      return await get<Simulation>(`/v1/simulations/${simulationId}`);
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404 && tries < 100) || signal.aborted) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

export async function simulationPage(main: HTMLElement, simulationId: string): Promise<() => void> {
  const abort = new AbortController();
  const error = errorBox();
  const bar = progressBar();
  const facts = h("dl", { class: "facts" });
  const resultsBox = h("div");
  const cancel = h("button", { type: "button", "data-testid": "cancel", onclick: async () => {
    try {
      await request("POST", `/v1/simulations/${simulationId}/cancel`, { headers: { "Idempotency-Key": idempotencyKey() } });
    } catch (err) {
      showError(error, err);
    }
  } }, "Cancel");
  const title = h("div", { class: "page-head" }, h("h1", {}, "Simulation"));
  const auditBox = h("div");
  main.append(title, error, h("section", { class: "card", "aria-label": "Progress" }, bar.el, cancel, facts), resultsBox, auditBox);

  let ending = false;
  // the live progress can run ahead of the simulation's view: read it until it has ended too
  const finish = async () => {
    let sim = await get<Simulation>(`/v1/simulations/${simulationId}`);
    for (let tries = 0; !FINAL.has(sim.status) && tries < 100 && !abort.signal.aborted; tries++) {
      await new Promise((r) => setTimeout(r, 300));
      sim = await get<Simulation>(`/v1/simulations/${simulationId}`);
    }
    cancel.hidden = true;
    draw(sim);
    if (sim.status === "completed") bar.set({ status: "completed", fraction: 1, iterations_done: sim.iterations_done ?? 0, iterations_total: sim.iterations });
    if (sim.results) resultsBox.replaceChildren(resultsView(simulationId, sim.results, await otherRuns(sim)));
    auditBox.replaceChildren(await auditTrail(simulationId).catch((err) => {
      const box = errorBox();
      showError(box, err);
      return box;
    }));
    if (sim.reason) showError(error, new Error(`${sim.status}: ${sim.reason}`));
    void refreshHeader();
  };
  const draw = (sim: Simulation) => {
    clear(title, h("h1", {}, `Simulation ${sim.simulation_id.slice(0, 8)}`), statusBadge(sim.status),
      h("a", { href: `#/workbooks/${sim.workbook_id}` }, "Back to the model"));
    clear(facts, h("dt", {}, "Iterations"), h("dd", {}, formatNumber(sim.iterations)),
      h("dt", {}, "Requested"), h("dd", {}, when(sim.requested_at)),
      h("dt", {}, "Finished"), h("dd", {}, when(sim.finished_at)),
      h("dt", {}, "Compute"), h("dd", {}, sim.compute_seconds === null ? "—" : `${formatNumber(sim.compute_seconds, 3)} s`));
  };

  try {
    const sim = await known(simulationId, abort.signal);
    draw(sim);
    if (FINAL.has(sim.status)) {
      await finish();
    } else {
      void streamEvents(`/v1/simulations/${simulationId}/events`, (type, data) => {
        const p = data as Progress;
        bar.set(p);
        if ((type === "end" || FINAL.has(p.status)) && !ending) {
          ending = true; // the last progress frame and the end frame both say so: draw once
          void finish().catch((err) => showError(error, err));
        }
      }, abort.signal).catch((err) => { if (!abort.signal.aborted) showError(error, err); });
    }
  } catch (err) {
    showError(error, err);
  }
  return () => abort.abort();
}
