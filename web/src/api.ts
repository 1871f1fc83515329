// The RiskStream API as the workbench uses it: one credential (an API key or an access token),
// errors as the API words them (RFC 9457 problem details), progress as server-sent events.

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  errors?: { loc: (string | number)[]; msg: string }[];
}

/** An answer the API refused, carrying its problem details. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
  }

  /** The API's own words: title, detail and each field error with its location. */
  lines(): string[] {
    const { title, detail, errors } = this.problem;
    const out = [title && detail && title !== detail ? `${title}: ${detail}` : detail || title || this.message];
    for (const e of errors ?? []) out.push(`${e.loc.join(" › ")}: ${e.msg}`);
    return out;
  }
}

const STORAGE = "riskstream.credential";

export interface Credential {
  bearer: string;
  kind: "api_key" | "token";
  label: string;
  expiresAt?: number;
}

export function credential(): Credential | null {
  const raw = sessionStorage.getItem(STORAGE);
  if (!raw) return null;
  const cred = JSON.parse(raw) as Credential;
  if (cred.expiresAt && cred.expiresAt < Date.now()) {
    sessionStorage.removeItem(STORAGE);
    return null;
  }
  return cred;
}

export function signOut(): void {
  sessionStorage.removeItem(STORAGE);
}

export function useApiKey(key: string): void {
  const cred: Credential = { bearer: key.trim(), kind: "api_key", label: "API key" };
  sessionStorage.setItem(STORAGE, JSON.stringify(cred));
}

export async function signIn(email: string, password: string): Promise<void> {
  const answer = await request<{ access_token: string; expires_in: number }>("POST", "/v1/auth/token", {
    json: { email, password },
    anonymous: true,
  });
  const cred: Credential = {
    bearer: answer.access_token,
    kind: "token",
    label: email,
    expiresAt: Date.now() + answer.expires_in * 1000,
  };
  sessionStorage.setItem(STORAGE, JSON.stringify(cred));
}

interface Options {
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  anonymous?: boolean;
  signal?: AbortSignal;
}

function headersFor(options: Options): Headers {
  const headers = new Headers(options.headers);
  const cred = credential();
  if (!options.anonymous && cred) headers.set("Authorization", `Bearer ${cred.bearer}`);
  if (options.json !== undefined) headers.set("Content-Type", "application/json");
  return headers;
}

async function problemOf(response: Response): Promise<ApiError> {
  const text = await response.text();
  let problem: Problem;
  try {
    problem = JSON.parse(text) as Problem;
  } catch {
    problem = { status: response.status, title: response.statusText, detail: text.slice(0, 500) };
  }
  if (response.status === 401 && credential()) signOut();
  return new ApiError(response.status, problem);
}

export async function request<T>(method: string, path: string, options: Options = {}): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: headersFor(options),
    body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
    signal: options.signal,
  });
  if (!response.ok) throw await problemOf(response);
  return (await response.json()) as T;
}

export const get = <T>(path: string) => request<T>("GET", path);

/** A file the API answers (a report), saved by the browser as ``filename``. */
export async function download(path: string, filename: string): Promise<void> {
  const response = await fetch(path, { headers: headersFor({}) });
  if (!response.ok) throw await problemOf(response);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(await response.blob());
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

/** A fresh Idempotency-Key: a retry of the same click may reuse it, a new click gets another. */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}

/**
 * Server-sent events read with fetch, since EventSource cannot send an Authorization header.
 * Calls ``onEvent`` for each frame until the stream ends or ``signal`` aborts.
 */
export async function streamEvents(
  path: string,
  onEvent: (type: string, data: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(path, { headers: headersFor({}), signal });
  if (!response.ok || !response.body) throw await problemOf(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let type = "message";
      const data: string[] = [];
      for (const line of frame.split("\n")) {
        if (line.startsWith("event: ")) type = line.slice(7);
        else if (line.startsWith("data: ")) data.push(line.slice(6));
      }
      if (data.length) onEvent(type, JSON.parse(data.join("\n")));
    }
  }
}
