// Pieces every page uses: the API's errors as it words them, status lines, page headings.
import { ApiError } from "./api";
import { clear, h } from "./dom";

/** Shows ``error`` in ``box`` (an alert region): an API refusal in the API's own words. */
export function showError(box: HTMLElement, error: unknown): void {
  const lines = error instanceof ApiError ? error.lines() : [error instanceof Error ? error.message : String(error)];
  const status = error instanceof ApiError ? `${error.status} ` : "";
  clear(box, h("strong", {}, `${status}${lines[0]}`), lines.length > 1 ? h("ul", {}, lines.slice(1).map((l) => h("li", {}, l))) : null);
  box.hidden = false;
}

export function errorBox(): HTMLElement {
  return h("div", { class: "error", role: "alert", hidden: true, "data-testid": "error" });
}

export function hideError(box: HTMLElement): void {
  box.hidden = true;
  box.replaceChildren();
}

export function heading(text: string, ...extra: HTMLElement[]): HTMLElement {
  return h("div", { class: "page-head" }, h("h1", {}, text), ...extra);
}

export function statusBadge(status: string): HTMLElement {
  return h("span", { class: `badge status-${status}`, "data-status": status }, status);
}

export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "medium" }) : "—";
}
