/** The command's exit status: scripts tell a failed import from a refused request by it. */
export enum ExitCode {
  Ok = 0,
  /** The import or report ended FAILED, CANCELLED or EXPIRED (or was removed while we waited). */
  JobFailed = 1,
  /** Bad arguments or configuration: nothing was sent. */
  Usage = 2,
  /** The API refused a request or could not be reached. */
  Api = 3,
}

/** A failure the user can act on, printed as one line `analytics: <message>` without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string): CliError => new CliError(message, ExitCode.Usage);

/** The API's own error answer `{statusCode, error, message, details?, requestId?}`. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: Record<string, unknown>;
  requestId?: string;
}

/** A non-2xx answer; the message is the API's, followed by its status and code. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly apiMessage: string,
    readonly details?: Record<string, unknown>,
  ) {
    const extra = details ? formatDetails(details, apiMessage) : '';
    super(`${apiMessage} (${status} ${code})${extra ? `; ${extra}` : ''}`, ExitCode.Api);
    this.name = 'ApiError';
  }

  /** Reads an error answer; one that is not the API's JSON (a proxy's page) keeps its first words. */
  static fromResponse(status: number, bodyText: string, url: string): ApiError {
    const body = parseJsonObject(bodyText);
    if (body && typeof body.message === 'string') {
      const code = typeof body.error === 'string' ? body.error : `HTTP_${status}`;
      const details = body.details && typeof body.details === 'object' ? (body.details as Record<string, unknown>) : undefined;
      return new ApiError(status, code, body.message, details);
    }
    if (body && Array.isArray(body.message)) {
      return new ApiError(status, typeof body.error === 'string' ? body.error : `HTTP_${status}`, body.message.join('; '));
    }
    const snippet = bodyText.replace(/\s+/g, ' ').trim().slice(0, 120);
    return new ApiError(status, `HTTP_${status}`, `${url} answered ${status}${snippet ? `: ${snippet}` : ''}`);
  }
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** `missing: AMOUNT, TIMESTAMP; line: 3`: details on the message's line, less what it already says. */
export function formatDetails(details: Record<string, unknown>, message = ''): string {
  return Object.entries(details)
    .map(([name, value]) => [name, Array.isArray(value) ? value.map(String).join(', ') : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)])
    .filter(([, text]) => text !== '' && !message.includes(text))
    .map(([name, text]) => `${name}: ${text}`)
    .join('; ');
}
