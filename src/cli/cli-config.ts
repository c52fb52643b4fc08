import { CliError, ExitCode, usageError } from './cli.errors';

export const DEFAULT_URL = 'http://localhost:3000';

export interface ConnectionFlags {
  url?: string;
  key?: string;
}

/** Where the API is and the key to call it with: flags first, then ANALYTICS_URL / ANALYTICS_API_KEY. */
export interface CliConfig {
  /** `<origin>[/<base path>]/api/v1`, without a trailing slash. */
  apiRoot: string;
  apiKey: string;
}

export function resolveConfig(flags: ConnectionFlags, env: NodeJS.ProcessEnv): CliConfig {
  const apiRoot = apiRootOf(flags.url ?? env.ANALYTICS_URL ?? DEFAULT_URL, flags.url ? '--url' : 'ANALYTICS_URL');
  const apiKey = (flags.key ?? env.ANALYTICS_API_KEY ?? '').trim();
  if (!apiKey) {
    throw new CliError('no API key: set ANALYTICS_API_KEY (or pass --key); an admin creates one with POST /api/v1/api-keys', ExitCode.Usage);
  }
  return { apiRoot, apiKey };
}

/** Accepts the server's address with or without `/api/v1` (and behind a path prefix). */
export function apiRootOf(raw: string, source: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw usageError(`${source} is not a URL: '${raw}' (e.g. ${DEFAULT_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${source} must be an http:// or https:// URL, not '${raw}'`);
  }
  const base = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  return `${url.origin}${base}/api/v1`;
}
