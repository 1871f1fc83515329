// The tenant's simulations, newest first, with a status filter.
import { get } from "../api";
import { field, formatNumber, h } from "../dom";
import type { Simulation } from "../types";
import { errorBox, heading, showError, statusBadge, when } from "../ui";

const STATUSES = ["requested", "accepted", "rejected", "running", "completed", "failed", "cancelled"];

export async function historyPage(main: HTMLElement): Promise<void> {
  const error = errorBox();
  const rows = h("tbody");
  const filter = h("select", { name: "status" }, h("option", { value: "" }, "Any status"), STATUSES.map((s) => h("option", { value: s }, s)));
  const load = async () => {
    try {
      const query = filter.value ? `?status=${filter.value}` : "";
      const { simulations } = await get<{ simulations: Simulation[] }>(`/v1/simulations${query}`);
      rows.replaceChildren(...simulations.map((s) => h("tr", { "data-simulation": s.simulation_id },
        h("td", {}, h("a", { href: `#/simulations/${s.simulation_id}` }, s.simulation_id.slice(0, 8))),
        h("td", {}, statusBadge(s.status)),
        h("td", { class: "num" }, formatNumber(s.iterations_done ?? 0), " / ", formatNumber(s.iterations)),
        h("td", {}, s.backend),
        h("td", {}, when(s.requested_at)),
        h("td", { class: "num" }, s.compute_seconds === null ? "—" : `${formatNumber(s.compute_seconds, 3)} s`),
        h("td", {}, h("a", { href: `#/workbooks/${s.workbook_id}` }, "model")))));
      if (!simulations.length) rows.append(h("tr", {}, h("td", { colspan: 7 }, "No simulations yet.")));
    } catch (err) {
      showError(error, err);
    }
  };
  filter.addEventListener("change", () => void load());
  main.append(heading("History"), error, field("Status", filter),
    h("table", { class: "data", "data-testid": "history" },
      h("thead", {}, h("tr", {}, ["Simulation", "Status", "Iterations", "Backend", "Requested", "Compute", "Workbook"].map((t) => h("th", { scope: "col" }, t)))),
      rows));
  await load();
}
