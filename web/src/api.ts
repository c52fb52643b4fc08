/**
 * The dashboard's only way to the server: the public HTTP API under /api/v1, with the signed-in
 * credentials (a login's token pair, or an API key) kept in localStorage so that a reload stays
 * signed in. An access token about to expire is refreshed first; a refresh token works once, so
 * refreshes are single-flight across tabs (Web Locks, where the page is a secure context) and
 * within this tab.
 */
export const API = '/api/v1';
const STORE = 'analytics.credentials';
/** Refresh when the access token has less than this left (ms). */
const REFRESH_AHEAD_MS = 60_000;

export type Credentials = { kind: 'user'; email: string; accessToken: string; refreshToken: string; accessExpiresAt: number } | { kind: 'key'; key: string };

/** An API error answer: its HTTP status, stable code (`error`) and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

type Listener = (c: Credentials | null) => void;
const listeners = new Set<Listener>();

export const session = {
  get(): Credentials | null {
    try {
      const raw = localStorage.getItem(STORE);
      return raw ? (JSON.parse(raw) as Credentials) : null;
    } catch {
      return null;
    }
  },
  set(c: Credentials | null): void {
    if (c) {
      localStorage.setItem(STORE, JSON.stringify(c));
    } else {
      localStorage.removeItem(STORE);
    }
    listeners.forEach((l) => l(c));
  },
  subscribe(l: Listener): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};

// Another tab signed in or out, or refreshed the tokens.
addEventListener('storage', (e) => {
  if (e.key === STORE) {
    listeners.forEach((l) => l(session.get()));
  }
});

interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

function fromPair(email: string, pair: TokenPair): Credentials {
  return { kind: 'user', email, accessToken: pair.accessToken, refreshToken: pair.refreshToken, accessExpiresAt: Date.now() + pair.expiresIn * 1000 };
}

export async function signIn(email: string, password: string): Promise<void> {
  const pair = await request<TokenPair>('/auth/login', { method: 'POST', json: { email, password }, anonymous: true });
  session.set(fromPair(email, pair));
}

/** Checks the key against /auth/me before keeping it. */
export async function signInWithKey(key: string): Promise<void> {
  await request('/auth/me', { headers: { 'X-API-Key': key }, anonymous: true });
  session.set({ kind: 'key', key });
}

export async function signOut(): Promise<void> {
  const c = session.get();
  session.set(null);
  if (c?.kind === 'user') {
    await request('/auth/logout', { method: 'POST', json: { refreshToken: c.refreshToken }, anonymous: true }).catch(() => undefined);
  }
}

let refreshing: Promise<void> | null = null;

/** Refreshes the token pair once, whoever asks (this tab or another one holding the lock). */
function refresh(stale: string): Promise<void> {
  refreshing ??= (async () => {
    const run = async () => {
      const c = session.get();
      // Another tab refreshed while this one waited for the lock.
      if (c?.kind !== 'user' || c.accessToken !== stale) {
        return;
      }
      try {
        const pair = await request<TokenPair>('/auth/refresh', { method: 'POST', json: { refreshToken: c.refreshToken }, anonymous: true });
        session.set(fromPair(c.email, pair));
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) {
          session.set(null);
        }
        throw err;
      }
    };
    try {
      await (navigator.locks ? navigator.locks.request('analytics-refresh', run) : run());
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

async function authHeaders(): Promise<Record<string, string>> {
  let c = session.get();
  if (c?.kind === 'user' && c.accessExpiresAt - Date.now() < REFRESH_AHEAD_MS) {
    await refresh(c.accessToken);
    c = session.get();
  }
  if (!c) {
    throw new ApiError(401, 'SIGNED_OUT', 'Sign in to continue.');
  }
  return c.kind === 'user' ? { Authorization: `Bearer ${c.accessToken}` } : { 'X-API-Key': c.key };
}

export interface RequestOptions {
  method?: string;
  query?: Record<string, string | number | boolean | null | undefined>;
  json?: unknown;
  body?: BodyInit;
  headers?: Record<string, string>;
  anonymous?: boolean;
  signal?: AbortSignal;
}

export function url(path: string, query?: RequestOptions['query']): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') {
      q.set(k, String(v));
    }
  }
  const s = q.toString();
  return `${API}${path}${s ? `?${s}` : ''}`;
}

/** A fetch of the API with the credentials; a refused token is refreshed and the call tried once more. */
export async function send(path: string, o: RequestOptions = {}, isRetry = false): Promise<Response> {
  const headers: Record<string, string> = { ...(o.anonymous ? {} : await authHeaders()), ...o.headers };
  let body = o.body;
  if (o.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(o.json);
  }
  const res = await fetch(url(path, o.query), { method: o.method ?? 'GET', headers, body, signal: o.signal });
  if (res.ok) {
    return res;
  }
  const err = await errorOf(res);
  const c = session.get();
  if (!o.anonymous && err.status === 401 && c?.kind === 'user' && !isRetry) {
    if (err.code === 'TOKEN_EXPIRED') {
      await refresh(c.accessToken);
      return send(path, o, true);
    }
    session.set(null);
  }
  throw err;
}

export async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text();
  try {
    const b = JSON.parse(text) as { error?: string; message?: string | string[]; details?: unknown };
    const message = Array.isArray(b.message) ? b.message.join('; ') : (b.message ?? res.statusText);
    return new ApiError(res.status, b.error ?? `HTTP_${res.status}`, message, b.details);
  } catch {
    return new ApiError(res.status, `HTTP_${res.status}`, text.slice(0, 200) || res.statusText);
  }
}

export async function request<T = unknown>(path: string, o: RequestOptions = {}): Promise<T> {
  const res = await send(path, o);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** Downloads an answer that needs the credentials (a report, rejects, a CSV) as a file. */
export async function download(path: string, fallbackName: string, query?: RequestOptions['query']): Promise<void> {
  const res = await send(path, { query });
  const name = /filename="?([^";]+)"?/.exec(res.headers.get('Content-Disposition') ?? '')?.[1] ?? fallbackName;
  const href = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10_000);
}

/** The headers an upload sends (XMLHttpRequest, for its upload progress). */
export function uploadHeaders(): Promise<Record<string, string>> {
  return authHeaders();
}
