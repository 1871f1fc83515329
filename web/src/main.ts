// The workbench: sign in, upload a workbook, mark inputs and outputs, run, read the charts.
import "./style.css";
import { credential } from "./api";
import { h } from "./dom";
import { refreshHeader } from "./header";
import { accountPage } from "./pages/account";
import { historyPage } from "./pages/history";
import { modelPage } from "./pages/model";
import { signInPage } from "./pages/signin";
import { simulationPage } from "./pages/simulation";
import { workbooksPage } from "./pages/workbooks";

/** A page draws into ``main`` and may return what stops its background work. */
export type Page = (main: HTMLElement, ...params: string[]) => void | (() => void) | Promise<void | (() => void)>;

const routes: [RegExp, Page][] = [
  [/^#\/signin$/, signInPage],
  [/^#\/workbooks$/, workbooksPage],
  [/^#\/workbooks\/([^/]+)$/, modelPage],
  [/^#\/simulations\/([^/]+)$/, simulationPage],
  [/^#\/history$/, historyPage],
  [/^#\/account$/, accountPage],
];

let stop: (() => void) | void;

async function route(): Promise<void> {
  if (typeof stop === "function") stop();
  stop = undefined;
  const main = document.getElementById("main")!;
  let hash = location.hash || "#/workbooks";
  if (!credential() && hash !== "#/signin") hash = "#/signin";
  if (hash !== location.hash) {
    history.replaceState(null, "", hash);
  }
  main.replaceChildren();
  void refreshHeader();
  for (const [pattern, page] of routes) {
    const match = pattern.exec(hash);
    if (match) {
      stop = await page(main, ...match.slice(1).map(decodeURIComponent));
      document.title = `${main.querySelector("h1")?.textContent ?? "Workbench"} · RiskStream`;
      // a screen reader starts the new page at its top, unless the page chose a field
      if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
      return;
    }
  }
  main.append(h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/workbooks" }, "Back to the workbooks")));
}

window.addEventListener("hashchange", () => void route());
void route();
