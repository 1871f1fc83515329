// The correlation matrix editor: rank correlations between the inputs marked on the grid, one
// field per pair (the matrix is symmetric, its diagonal 1).
import { clear, h } from "../dom";
import { pairKey, type Marks } from "./marks";

export function correlationEditor(box: HTMLElement, marks: Marks, save: () => void): void {
  const cells = Object.keys(marks.inputs);
  if (cells.length < 2) {
    clear(box);
    return;
  }
  const given = (marks.correlations ??= {});
  const cell = (a: string, b: string, i: number, j: number) => {
    if (i === j) return h("td", { class: "num" }, "1");
    const key = pairKey(a, b);
    if (j < i) return h("td", { class: "num mirror", "data-pair": key }, String(given[key] ?? 0));
    const input = h("input", { type: "number", min: -1, max: 1, step: 0.05, value: String(given[key] ?? 0),
      "aria-label": `Correlation of ${a} and ${b}`, name: `corr-${key}` });
    input.addEventListener("change", () => {
      const value = Math.max(-1, Math.min(1, Number(input.value) || 0));
      input.value = String(value);
      if (value === 0) delete given[key];
      else given[key] = value;
      for (const mirror of box.querySelectorAll<HTMLElement>(`[data-pair="${CSS.escape(key)}"]`)) mirror.textContent = String(value);
      save();
    });
    return h("td", {}, input);
  };
  clear(box,
    h("h3", {}, "Correlations (rank)"),
    h("p", { class: "hint" }, "Between −1 and 1. A matrix that is not a valid correlation matrix is replaced by the nearest valid one, with a warning in the results."),
    h("table", { class: "data corr", "data-testid": "correlations" },
      h("thead", {}, h("tr", {}, h("td", {}), cells.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", {}, cells.map((a, i) => h("tr", {}, h("th", { scope: "row" }, a), cells.map((b, j) => cell(a, b, i, j)))))));
}
