// The run's trials themselves (GET /v1/simulations/{id}/sample): a scatter of a chosen input's
// draws against the output, and the convergence of the output's mean and of a percentile in
// trial order.
import { get } from "../api";
import { chartIn, convergence, scatter } from "../charts";
import { field, formatNumber, h } from "../dom";
import type { TrialSample } from "../types";
import { errorBox, hideError, showError } from "../ui";

const SAMPLE = 10_000; // trials fetched: the whole run, up to this many (the API's most)
const SHOWN = 2_000; // points in the scatter: enough to see a shape, light in SVG
const STEPS = 100; // points of each convergence line

/** The ``p`` percentile of sorted values, interpolated linearly between the two nearest. */
function quantile(sorted: Float64Array, p: number): number {
  const at = ((sorted.length - 1) * p) / 100;
  const lo = Math.floor(at), hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
}

/** The running mean and ``p`` percentile of the valid values, at about STEPS trial counts. */
export function running(values: (number | null)[], p: number): { mean: [number, number][]; percentile: [number, number][] } {
  const valid: number[] = [];
  const mean: [number, number][] = [], percentile: [number, number][] = [];
  const every = Math.max(1, Math.ceil(values.length / STEPS));
  let sum = 0;
  values.forEach((v, i) => {
    if (v !== null) {
      valid.push(v);
      sum += v;
    }
    if (valid.length && ((i + 1) % every === 0 || i === values.length - 1)) {
      mean.push([i + 1, sum / valid.length]);
      percentile.push([i + 1, quantile(Float64Array.from(valid).sort(), p)]);
    }
  });
  return { mean, percentile };
}

/** The section for ``output``: ``inputs`` to pick from (the most influential first). */
export function trialsView(simulationId: string, output: string, inputs: string[], percentiles: number[]): HTMLElement {
  const scatterBox = h("div", { class: "chart", "data-testid": "scatter" });
  const convergenceBox = h("div", { class: "chart", "data-testid": "convergence" });
  const error = errorBox();
  const note = h("p", { class: "hint", "data-testid": "sample-note" });
  const input = h("select", { name: "scatter_input" }, inputs.map((i) => h("option", { value: i }, i)));
  const level = h("select", { name: "convergence_p" },
    percentiles.map((p) => h("option", { value: String(p), selected: p === 95 }, `${p} % percentile`)));
  const samples = new Map<string, Promise<TrialSample>>();
  const sampleOf = (cell: string) => {
    if (!samples.has(cell)) {
      const query = new URLSearchParams({ input: cell, output, n: String(SAMPLE) });
      samples.set(cell, get<TrialSample>(`/v1/simulations/${simulationId}/sample?${query}`));
    }
    return samples.get(cell) as Promise<TrialSample>;
  };

  const draw = async () => {
    hideError(error);
    try {
      const sample = await sampleOf(input.value);
      const points: [number, number][] = [];
      for (let i = 0; i < sample.n && points.length < SHOWN; i++) {
        const y = sample.output_values[i];
        if (y !== null) points.push([sample.input_values[i], y]);
      }
      scatter(chartIn(scatterBox, "scatter", `Scatter of ${sample.input} against ${output}`), points, sample.input, output);
      const p = Number(level.value);
      const lines = running(sample.output_values, p);
      convergence(chartIn(convergenceBox, "convergence", `Convergence of the mean and the ${p} % percentile of ${output}`),
        [{ name: "mean", points: lines.mean }, { name: `${p} % percentile`, points: lines.percentile }]);
      note.textContent = `The first ${formatNumber(points.length)} trials in the scatter; the convergence over`
        + ` the first ${formatNumber(sample.n)} trials, in the run's order.`;
    } catch (err) {
      showError(error, err);
    }
  };
  input.addEventListener("change", () => void draw());
  level.addEventListener("change", () => void draw());
  queueMicrotask(() => void draw());
  return h("div", { class: "results-grid" },
    h("section", { class: "card", "aria-labelledby": "scatter-title" },
      h("h3", { id: "scatter-title" }, `Scatter: an input against ${output}`),
      inputs.length ? field("Input", input) : null, scatterBox),
    h("section", { class: "card", "aria-labelledby": "convergence-title" },
      h("h3", { id: "convergence-title" }, "Convergence"), percentiles.length ? field("Percentile", level) : null,
      convergenceBox, note),
    error);
}
