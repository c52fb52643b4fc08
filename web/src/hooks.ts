import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import { ApiError, request, type RequestOptions } from './api';

/** The organization's data version (GET /organizations/current): answers are refetched when it moves. */
export const DataVersion = createContext<{ version: number; bump: () => void }>({ version: 0, bump: () => undefined });

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
}

/** GET an API route; again whenever the path, the query or the organization's data change. */
export function useApi<T>(path: string | null, query?: RequestOptions['query']): Loaded<T> {
  const { version } = useContext(DataVersion);
  const [state, setState] = useState<{ data: T | null; error: ApiError | null; loading: boolean }>({ data: null, error: null, loading: path !== null });
  const [tick, setTick] = useState(0);
  const key = JSON.stringify([path, query, version, tick]);
  useEffect(() => {
    if (path === null) {
      setState({ data: null, error: null, loading: false });
      return;
    }
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    request<T>(path, { query, signal: abort.signal }).then(
      (data) => !abort.signal.aborted && setState({ data, error: null, loading: false }),
      (err: unknown) => !abort.signal.aborted && setState({ data: null, error: asApiError(err), loading: false }),
    );
    return () => abort.abort();
  }, [key]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
}

/** Runs `fn` every `ms` while mounted (and `enabled`). */
export function useInterval(fn: () => void, ms: number, enabled = true): void {
  useEffect(() => {
    if (!enabled) {
      return;
    }
    const t = setInterval(fn, ms);
    return () => clearInterval(t);
  }, [fn, ms, enabled]);
}
