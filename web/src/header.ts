// The header: where to go, and the tenant's plan and this month's usage.
import { credential, get, signOut } from "./api";
import { clear, formatNumber, h } from "./dom";
import type { WorkbookPage } from "./types";

const plural = (n: number, noun: string) => `${formatNumber(n)} ${noun}${n === 1 ? "" : "s"}`;

export async function refreshHeader(): Promise<void> {
  const top = document.getElementById("top")!;
  const cred = credential();
  const nav = h("nav", { "aria-label": "Main" },
    h("a", { href: "#/workbooks" }, "Workbooks"),
    h("a", { href: "#/history" }, "History"),
    h("a", { href: "#/account" }, "Account"),
  );
  const account = h("div", { class: "account", "aria-live": "polite" });
  clear(top, h("a", { class: "brand", href: "#/workbooks" }, "RiskStream"), cred ? nav : null, account);
  if (!cred) return;
  const out = h("button", { type: "button", class: "link", onclick: () => { signOut(); location.hash = "#/signin"; } }, "Sign out");
  clear(account, h("span", { class: "who" }, cred.label), out);
  try {
    const [page, usage] = await Promise.all([
      get<WorkbookPage>("/v1/workbooks?limit=1"),
      get<{ totals: { simulations?: number; iterations?: number } }>("/v1/usage?granularity=month"),
    ]);
    account.prepend(
      h("span", { class: "plan", "data-testid": "plan" }, `Plan: ${page.upload_limit.plan}`),
      h("span", { class: "usage", "data-testid": "usage" },
        `This month: ${plural(usage.totals.simulations ?? 0, "simulation")}, ` +
        `${plural(usage.totals.iterations ?? 0, "iteration")}`),
    );
  } catch {
    // the page itself reports what the API says; the header stays without figures
  }
}
