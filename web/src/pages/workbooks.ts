// Upload a workbook (drag and drop or a file picker), follow its parse, read what the parser
// found, and list the tenant's workbooks a page at a time.
import { ApiError, get, idempotencyKey, request } from "../api";
import { clear, formatBytes, formatNumber, h } from "../dom";
import type { Workbook, WorkbookPage, WorkbookSummary } from "../types";
import { errorBox, heading, hideError, showError, statusBadge, when } from "../ui";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function summaryView(workbook: Workbook): HTMLElement {
  const summary = workbook.summary as WorkbookSummary;
  const unsupported = Object.entries(summary.unsupported_functions);
  const list = (items: string[]) => (items.length ? h("ul", { class: "cells" }, items.map((c) => h("li", {}, h("code", {}, c)))) : h("p", {}, "None"));
  return h("section", { class: "card summary", "aria-labelledby": "summary-title", "data-testid": "parse-summary" },
    h("h2", { id: "summary-title" }, `What the parser found in ${workbook.filename ?? "the workbook"}`),
    h("dl", { class: "facts" },
      h("dt", {}, "Sheets"), h("dd", { "data-testid": "sheets" }, summary.sheets.map((s) => `${s.name} (${s.rows}×${s.columns})`).join(", ")),
      h("dt", {}, "Formulas"), h("dd", { "data-testid": "formula-count" }, formatNumber(summary.formula_count)),
      h("dt", {}, "@RISK inputs"), h("dd", { "data-testid": "risk-inputs" },
        summary.risk_inputs.length ? summary.risk_inputs.map((r) => `${r.cell} ${r.distribution}${r.name ? ` (${r.name})` : ""}`).join(", ") : "None"),
      h("dt", {}, "@RISK outputs"), h("dd", { "data-testid": "risk-outputs" }, summary.risk_outputs.join(", ") || "None"),
    ),
    h("h3", {}, "Unsupported functions"),
    unsupported.length
      ? h("table", { class: "data", "data-testid": "unsupported" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Function"), h("th", { scope: "col" }, "Cells"))),
          h("tbody", {}, unsupported.map(([fn, cells]) => h("tr", {}, h("th", { scope: "row" }, fn), h("td", {}, cells.join(", "))))))
      : h("p", { "data-testid": "unsupported" }, "None: every function in the workbook is supported."),
    h("h3", {}, "Candidate inputs"), list(summary.candidate_inputs),
    h("h3", {}, "Candidate outputs"), list(summary.candidate_outputs),
    h("p", {}, h("a", { class: "button primary", href: `#/workbooks/${workbook.workbook_id}`, "data-testid": "open-model" }, "Open the model")),
  );
}

export async function workbooksPage(main: HTMLElement): Promise<() => void> {
  let active = true;
  const error = errorBox();
  const limitText = h("p", { class: "hint", id: "upload-limit", "data-testid": "upload-limit" }, "Reading your upload limit…");
  const status = h("p", { class: "status", role: "status", "aria-live": "polite", "data-testid": "parse-status" });
  const result = h("div");
  const input = h("input", { type: "file", id: "file", accept: ".xlsx,.xlsm,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "aria-describedby": "upload-limit", class: "visually-hidden" });
  const zone = h("div", { class: "dropzone", "data-testid": "dropzone" },
    h("p", {}, "Drop an Excel workbook (.xlsx, .xlsm) here, or"),
    h("label", { for: "file", class: "button" }, "Choose a file"), input, limitText);
  const rows = h("tbody");
  const more = h("button", { type: "button", hidden: true }, "Load more");
  let limitBytes = Infinity;
  let cursor: string | null = null;

  const row = (w: Workbook) => h("tr", { "data-workbook": w.workbook_id },
    h("td", {}, w.status === "parsed" ? h("a", { href: `#/workbooks/${w.workbook_id}` }, w.filename ?? w.workbook_id) : (w.filename ?? w.workbook_id)),
    h("td", {}, statusBadge(w.status), w.reason ? h("div", { class: "reason" }, w.reason) : null),
    h("td", { class: "num" }, formatBytes(w.size_bytes)),
    h("td", { class: "num" }, w.sheet_count ?? "—"),
    h("td", { class: "num" }, w.formula_count ?? "—"),
    h("td", {}, when(w.uploaded_at)));

  async function loadPage(reset: boolean): Promise<void> {
    const page = await get<WorkbookPage>(`/v1/workbooks?limit=20${!reset && cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    limitBytes = page.upload_limit.bytes;
    limitText.textContent = `Files up to ${formatBytes(limitBytes)}: ${page.upload_limit.applies}.`;
    if (reset) rows.replaceChildren();
    rows.append(...page.workbooks.map(row));
    if (!rows.children.length) rows.append(h("tr", {}, h("td", { colspan: 6 }, "No workbooks yet: upload one above.")));
    cursor = page.next_cursor;
    more.hidden = !page.has_more;
  }

  // the upload is recorded before the workbooks view has it: an unknown id is "not yet" at first
  async function follow(workbookId: string): Promise<void> {
    for (let i = 0; active; i++) {
      let workbook: Workbook;
      try {
        workbook = await get<Workbook>(`/v1/workbooks/${workbookId}`);
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 404 && i < 100)) throw err;
        status.textContent = "Uploaded; waiting for the parser…";
        await sleep(300);
        continue;
      }
      if (workbook.status === "parsed") {
        status.textContent = `Parsed: ${workbook.filename}`;
        clear(result, summaryView(workbook));
        return;
      }
      if (workbook.status === "rejected") {
        status.textContent = "Rejected";
        showError(error, new Error(`The workbook was rejected: ${workbook.reason}`));
        return;
      }
      status.textContent = `Parsing ${workbook.filename}${".".repeat((i % 3) + 1)}`;
      await sleep(400);
    }
  }

  async function upload(file: File): Promise<void> {
    hideError(error);
    result.replaceChildren();
    if (file.size > limitBytes) {
      showError(error, new Error(`${file.name} is ${formatBytes(file.size)}; ${limitText.textContent}`));
      return;
    }
    status.textContent = `Uploading ${file.name} (${formatBytes(file.size)})…`;
    const form = new FormData();
    form.append("file", file, file.name);
    try {
      const answer = await request<{ workbook_id: string }>("POST", "/v1/workbooks", {
        body: form, headers: { "Idempotency-Key": idempotencyKey() } });
      await follow(answer.workbook_id);
      await loadPage(true);
    } catch (err) {
      status.textContent = "Upload refused";
      showError(error, err);
    }
  }

  input.addEventListener("change", () => { if (input.files?.[0]) void upload(input.files[0]); input.value = ""; });
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    const file = e.dataTransfer?.files[0];
    if (file) void upload(file);
  });
  more.addEventListener("click", () => void loadPage(false).catch((err) => showError(error, err)));

  main.append(
    heading("Workbooks"),
    h("section", { "aria-labelledby": "upload-title", class: "card" }, h("h2", { id: "upload-title" }, "Upload a model"), zone, status),
    error, result,
    h("section", { "aria-labelledby": "list-title" }, h("h2", { id: "list-title" }, "Your workbooks"),
      h("table", { class: "data", "data-testid": "workbook-list" },
        h("thead", {}, h("tr", {}, ["File", "Status", "Size", "Sheets", "Formulas", "Uploaded"].map((t, i) => h("th", { scope: "col", class: i >= 2 && i <= 4 ? "num" : undefined }, t)))),
        rows),
      more),
  );
  try {
    await loadPage(true);
  } catch (err) {
    showError(error, err);
  }
  return () => { active = false; };
}
