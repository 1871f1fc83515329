// The account: usage by day, billing, API keys and webhook endpoints with their delivery
// attempts. Each part loads on its own, so a member sees the admin-only parts refused in the API's words.
import { get, idempotencyKey, request } from "../api";
import { clear, field, formatBytes, formatNumber, h } from "../dom";
import { errorBox, heading, hideError, showError, when } from "../ui";

interface UsageBucket {
  start: string;
  simulations: number;
  iterations: number;
  compute_seconds: number;
  files_uploaded: number;
  upload_bytes: number;
  peak_concurrency: number;
}

interface ApiKey {
  key_id: string;
  name: string;
  role: string;
  issued_at: string | null;
  revoked_at: string | null;
}

interface Endpoint {
  endpoint_id: string;
  url: string;
  event_types: string[];
  status: string;
  description: string;
}

interface Attempt {
  attempt_id: string;
  event_type: string;
  attempt: number;
  attempted_at: string;
  status_code: number | null;
  latency_ms: number | null;
  outcome: string;
  error: string | null;
  response_excerpt: string | null;
  next_attempt_at: string | null;
}

interface Billing {
  plan: string;
  status: string;
  period: { start: string; end: string };
  upcoming: { currency: string; lines: { item: string; quantity: number; unit: string; amount_cents: number }[]; total_cents: number };
  invoices: unknown[];
}

const money = (cents: number, currency: string) =>
  (cents / 100).toLocaleString("en-US", { style: "currency", currency: currency.toUpperCase() });

function part(title: string, id: string): { section: HTMLElement; body: HTMLElement; error: HTMLElement } {
  const body = h("div");
  const error = errorBox();
  const section = h("section", { class: "card", "aria-labelledby": id, "data-testid": id }, h("h2", { id }, title), error, body);
  return { section, body, error };
}

/** A secret the API shows once, with a reminder to keep it now. */
function shownOnce(label: string, value: string): HTMLElement {
  return h("div", { class: "once", role: "status" }, h("strong", {}, `${label} (shown once: keep it now) `), h("code", { "data-testid": "shown-once" }, value));
}

async function loadUsage(p: ReturnType<typeof part>): Promise<void> {
  const usage = await get<{ buckets: UsageBucket[]; totals: UsageBucket }>("/v1/usage?granularity=day");
  const cols = ["Day", "Simulations", "Iterations", "Compute", "Uploads", "Peak concurrency"];
  const row = (b: UsageBucket, label: string) => h("tr", {}, h("th", { scope: "row" }, label),
    h("td", { class: "num" }, formatNumber(b.simulations)), h("td", { class: "num" }, formatNumber(b.iterations)),
    h("td", { class: "num" }, `${formatNumber(b.compute_seconds, 3)} s`),
    h("td", { class: "num" }, `${b.files_uploaded} (${formatBytes(b.upload_bytes)})`), h("td", { class: "num" }, b.peak_concurrency));
  clear(p.body, h("table", { class: "data" },
    h("thead", {}, h("tr", {}, cols.map((c, i) => h("th", { scope: "col", class: i ? "num" : undefined }, c)))),
    h("tbody", {}, usage.buckets.map((b) => row(b, b.start.slice(0, 10))), row(usage.totals, "This month"))));
}

async function loadBilling(p: ReturnType<typeof part>): Promise<void> {
  const bill = await get<Billing>("/v1/billing");
  const { currency, lines, total_cents } = bill.upcoming;
  clear(p.body,
    h("dl", { class: "facts" }, h("dt", {}, "Plan"), h("dd", {}, bill.plan), h("dt", {}, "Status"), h("dd", {}, bill.status),
      h("dt", {}, "Period"), h("dd", {}, `${when(bill.period.start)} to ${when(bill.period.end)}`),
      h("dt", {}, "Invoices"), h("dd", {}, String(bill.invoices.length))),
    h("table", { class: "data" }, h("caption", { class: "visually-hidden" }, "Upcoming charges"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Upcoming charge"), h("th", { scope: "col", class: "num" }, "Quantity"), h("th", { scope: "col", class: "num" }, "Amount"))),
      h("tbody", {}, lines.map((l) => h("tr", {}, h("td", {}, `${l.item} (${l.unit})`), h("td", { class: "num" }, formatNumber(l.quantity)), h("td", { class: "num" }, money(l.amount_cents, currency)))),
        h("tr", {}, h("th", { scope: "row" }, "Total"), h("td", {}), h("td", { class: "num" }, money(total_cents, currency))))));
}

async function loadKeys(p: ReturnType<typeof part>): Promise<void> {
  const { api_keys } = await get<{ api_keys: ApiKey[] }>("/v1/api-keys");
  const name = h("input", { type: "text", name: "key_name", required: true, maxLength: 200 });
  const role = h("select", { name: "key_role" }, h("option", { value: "member" }, "member"), h("option", { value: "admin" }, "admin"));
  const issued = h("div");
  const refresh = () => loadKeys(p).catch((err) => showError(p.error, err));
  const form = h("form", { class: "row", onsubmit: async (e: Event) => {
    e.preventDefault();
    hideError(p.error);
    try {
      const key = await request<{ api_key: string; name: string }>("POST", "/v1/api-keys", {
        json: { name: name.value, role: role.value }, headers: { "Idempotency-Key": idempotencyKey() } });
      await refresh();
      p.body.prepend(shownOnce(`New key “${key.name}”`, key.api_key));
    } catch (err) {
      showError(p.error, err);
    }
  } }, field("Name", name), field("Role", role), h("button", { type: "submit", class: "primary" }, "Issue a key"));
  const revoke = (key: ApiKey) => h("button", { type: "button", class: "link", "aria-label": `Revoke ${key.name}`, onclick: async () => {
    try {
      await request("DELETE", `/v1/api-keys/${key.key_id}`, { headers: { "Idempotency-Key": idempotencyKey() } });
      await refresh();
    } catch (err) {
      showError(p.error, err);
    }
  } }, "Revoke");
  clear(p.body, issued,
    h("table", { class: "data" },
      h("thead", {}, h("tr", {}, ["Name", "Role", "Issued", "Revoked", ""].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", {}, api_keys.map((k) => h("tr", { "data-key": k.key_id }, h("td", {}, k.name), h("td", {}, k.role), h("td", {}, when(k.issued_at)),
        h("td", {}, when(k.revoked_at)), h("td", {}, k.revoked_at ? "" : revoke(k)))))),
    form);
}

async function loadWebhooks(p: ReturnType<typeof part>): Promise<void> {
  const { endpoints } = await get<{ endpoints: Endpoint[] }>("/v1/webhooks");
  const url = h("input", { type: "url", name: "webhook_url", required: true, placeholder: "https://hooks.example.com/riskstream" });
  const types = h("input", { type: "text", name: "webhook_types", value: "simulation.", required: true });
  const refresh = () => loadWebhooks(p).catch((err) => showError(p.error, err));
  const form = h("form", { class: "row", onsubmit: async (e: Event) => {
    e.preventDefault();
    hideError(p.error);
    try {
      const made = await request<{ secret: string; url: string; endpoint_id: string }>("POST", "/v1/webhooks", {
        json: { url: url.value, event_types: types.value.split(",").map((t) => t.trim()).filter(Boolean) },
        headers: { "Idempotency-Key": idempotencyKey() } });
      // the list is a view of the log: it shows the endpoint a moment after the answer
      for (let tries = 0; tries < 50; tries++) {
        const listed = await get<{ endpoints: Endpoint[] }>("/v1/webhooks");
        if (listed.endpoints.some((e) => e.endpoint_id === made.endpoint_id)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      await refresh();
      p.body.prepend(shownOnce(`Signing secret of ${made.url}`, made.secret));
    } catch (err) {
      showError(p.error, err);
    }
  } }, field("URL", url), field("Event types", types, "Prefixes, comma-separated: simulation., workbook.parsed"),
    h("button", { type: "submit", class: "primary" }, "Add an endpoint"));
  const rotate = (ep: Endpoint) => h("button", { type: "button", class: "link", "aria-label": `Rotate secret of ${ep.url}`, onclick: async () => {
    try {
      const answer = await request<{ secret: string }>("POST", `/v1/webhooks/${ep.endpoint_id}/rotate-secret`, { headers: { "Idempotency-Key": idempotencyKey() } });
      p.body.prepend(shownOnce(`New secret of ${ep.url}`, answer.secret));
    } catch (err) {
      showError(p.error, err);
    }
  } }, "Rotate secret");
  const attemptsBox = h("div", { "data-testid": "webhook-attempts" });
  const showAttempts = (ep: Endpoint) => h("button", { type: "button", class: "link", "aria-label": `Attempts: deliveries to ${ep.url}`, onclick: async () => {
    hideError(p.error);
    try {
      const { attempts } = await get<{ attempts: Attempt[] }>(`/v1/webhooks/${ep.endpoint_id}/attempts?limit=50`);
      clear(attemptsBox, h("h3", {}, `Delivery attempts to ${ep.url}, newest first`),
        attempts.length
          ? h("table", { class: "data" },
              h("thead", {}, h("tr", {}, ["When", "Event", "Attempt", "Outcome", "HTTP status", "Latency", "Next attempt"].map((t) => h("th", { scope: "col" }, t)))),
              h("tbody", {}, attempts.map((a) => h("tr", { "data-attempt": a.attempt_id },
                h("td", {}, when(a.attempted_at)), h("td", {}, h("code", {}, a.event_type)), h("td", { class: "num" }, a.attempt),
                h("td", { title: a.error ?? a.response_excerpt ?? "" }, a.outcome), h("td", { class: "num" }, a.status_code ?? "—"),
                h("td", { class: "num" }, a.latency_ms === null ? "—" : `${formatNumber(a.latency_ms, 3)} ms`), h("td", {}, when(a.next_attempt_at))))))
          : h("p", {}, "No delivery attempted yet."));
    } catch (err) {
      showError(p.error, err);
    }
  } }, "Attempts");
  clear(p.body,
    endpoints.length
      ? h("table", { class: "data" },
          h("thead", {}, h("tr", {}, ["URL", "Events", "Status", ""].map((t) => h("th", { scope: "col" }, t)))),
          h("tbody", {}, endpoints.map((ep) => h("tr", { "data-endpoint": ep.endpoint_id }, h("td", {}, h("code", {}, ep.url)),
            h("td", {}, ep.event_types.join(", ")), h("td", {}, ep.status), h("td", {}, rotate(ep), " ", showAttempts(ep))))))
      : h("p", {}, "No endpoints yet."),
    attemptsBox,
    form);
}

export async function accountPage(main: HTMLElement): Promise<void> {
  const parts: [ReturnType<typeof part>, (p: ReturnType<typeof part>) => Promise<void>][] = [
    [part("Usage this month", "usage-title"), loadUsage],
    [part("Billing", "billing-title"), loadBilling],
    [part("API keys", "keys-title"), loadKeys],
    [part("Webhooks", "webhooks-title"), loadWebhooks],
  ];
  main.append(heading("Account"), ...parts.map(([p]) => p.section));
  await Promise.all(parts.map(([p, load]) => load(p).catch((err) => showError(p.error, err))));
}
