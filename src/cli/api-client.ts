import * as http from 'http';
import * as https from 'https';
import { Readable } from 'stream';
import { ApiError, CliError, ExitCode } from './cli.errors';
import { SseEvent, SseParser } from './sse-parser';

export type Query = Record<string, string | number | undefined>;

/** A request, or an answer being read, silent this long is given up (event streams excepted). */
const IDLE_TIMEOUT_MS = 60_000;
/** The largest JSON answer read into memory (a list page is a few hundred KB). */
const MAX_JSON_BYTES = 32 << 20;
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET']);

export interface UploadSource {
  body: Readable;
  sizeBytes: number;
  contentType: string;
}

export interface Download {
  stream: http.IncomingMessage;
  totalBytes: number | null;
  /** From Content-Disposition, when the API names the file. */
  fileName: string | null;
}

/**
 * The public HTTP API under `<ANALYTICS_URL>/api/v1`, authenticated with an API key. Bodies and
 * files are streamed both ways; only JSON answers are read whole. Every failure becomes a
 * CliError: the API's own error answer, or one line saying the server could not be reached.
 */
export class ApiClient {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(
    private readonly apiRoot: string,
    private readonly apiKey: string,
  ) {
    const isHttps = apiRoot.startsWith('https:');
    this.transport = isHttps ? https : http;
    // Our own agent, destroyed by close(), so that no kept-alive socket holds the process open.
    this.agent = isHttps ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  }

  async getJson<T>(path: string, query?: Query): Promise<T> {
    const url = this.url(path, query);
    return readJson<T>(await this.send('GET', url, { Accept: 'application/json' }), url);
  }

  async postJson<T>(path: string, body: unknown): Promise<T> {
    const url = this.url(path);
    const payload = Buffer.from(JSON.stringify(body));
    const res = await this.send(
      'POST',
      url,
      {
        'Content-Type': 'application/json',
        'Content-Length': payload.length,
        Accept: 'application/json',
      },
      payload,
    );
    return readJson<T>(res, url);
  }

  /**
   * Streams `source.body` as the raw request body (never whole in memory). When the API answers
   * before the end (a refusal), sending stops and its answer is read.
   */
  async upload<T>(path: string, query: Query, source: UploadSource, headers: http.OutgoingHttpHeaders = {}): Promise<T> {
    const url = this.url(path, query);
    const res = await this.send(
      'POST',
      url,
      {
        ...headers,
        'Content-Type': source.contentType,
        'Content-Length': source.sizeBytes,
        Accept: 'application/json',
      },
      source.body,
    );
    return readJson<T>(res, url);
  }

  /** Opens a file download; the caller pipes `stream` where it belongs. */
  async download(path: string): Promise<Download> {
    const url = this.url(path);
    const res = await this.send('GET', url, {});
    if ((res.statusCode ?? 0) >= 300) {
      throw ApiError.fromResponse(res.statusCode ?? 0, await readText(res, url), url.toString());
    }
    const length = Number(res.headers['content-length']);
    const disposition = /filename="?([^";]+)"?/.exec(res.headers['content-disposition'] ?? '');
    return {
      stream: res,
      totalBytes: Number.isFinite(length) ? length : null,
      fileName: disposition ? disposition[1] : null,
    };
  }

  /** The events of a text/event-stream route until it ends; a broken stream just ends the iteration. */
  async *events(path: string): AsyncGenerator<SseEvent> {
    const url = this.url(path);
    // No idle timeout: a queued import can stay silent for minutes.
    const res = await this.send('GET', url, { Accept: 'text/event-stream' }, undefined, 0);
    if (res.statusCode !== 200) {
      throw ApiError.fromResponse(res.statusCode ?? 0, await readText(res, url), url.toString());
    }
    res.setEncoding('utf8');
    const parser = new SseParser();
    try {
      for await (const chunk of res) {
        yield* parser.push(chunk as string);
      }
    } catch {
      // The connection broke: the caller reads the state another way.
    } finally {
      res.destroy();
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private url(path: string, query: Query = {}): URL {
    const url = new URL(`${this.apiRoot}${path}`);
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== '') {
        url.searchParams.set(name, String(value));
      }
    }
    return url;
  }

  private send(method: string, url: URL, headers: http.OutgoingHttpHeaders, body?: Buffer | Readable, timeoutMs = IDLE_TIMEOUT_MS): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.transport.request(url, {
        method,
        agent: this.agent,
        headers: { 'User-Agent': 'analytics-cli', 'X-API-Key': this.apiKey, ...headers },
      });
      let isAnswered = false;
      let isConnected = false;
      req.on('socket', (socket) => {
        isConnected = !socket.connecting;
        socket.once('connect', () => (isConnected = true));
      });
      req.on('response', (res) => {
        isAnswered = true;
        if (body instanceof Readable && !body.readableEnded) {
          // Answered before the whole body was sent: a refusal; the rest is not wanted.
          body.unpipe(req);
          body.destroy();
        }
        resolve(res);
      });
      // After an answer, a write error (the API closing a refused upload) changes nothing.
      req.on('error', (err: NodeJS.ErrnoException) => !isAnswered && reject(transportError(err, url, isConnected)));
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error(`no answer in ${timeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
      }
      if (body instanceof Readable) {
        body.once('error', (err) => {
          req.destroy();
          reject(new CliError(`cannot read the file: ${err.message}`, ExitCode.Usage));
        });
        body.pipe(req);
      } else {
        req.end(body);
      }
    });
  }
}

function transportError(err: NodeJS.ErrnoException, url: URL, isConnected: boolean): CliError {
  const code = err.code ?? err.message;
  if (!isConnected && CONNECT_ERRORS.has(err.code ?? '')) {
    return new CliError(`cannot reach the API at ${url.origin} (${code}): is it running? Set ANALYTICS_URL or --url`, ExitCode.Api);
  }
  return new CliError(`the connection to ${url.origin} failed during ${url.pathname} (${code}${err.code && err.message !== err.code ? `: ${err.message}` : ''})`, ExitCode.Api);
}

async function readText(res: http.IncomingMessage, url: URL | string): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of res) {
      length += (chunk as Buffer).length;
      if (length > MAX_JSON_BYTES) {
        res.destroy();
        throw new CliError(`${url.toString()} answered more than ${MAX_JSON_BYTES >> 20} MB`, ExitCode.Api);
      }
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    throw err instanceof CliError ? err : new CliError(`the answer of ${url.toString()} broke off (${(err as Error).message})`, ExitCode.Api);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson<T>(res: http.IncomingMessage, url: URL): Promise<T> {
  const text = await readText(res, url);
  const status = res.statusCode ?? 0;
  if (status >= 300) {
    throw ApiError.fromResponse(status, text, url.toString());
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new CliError(`${url.toString()} did not answer JSON: is ${url.origin} the analytics API?`, ExitCode.Api);
  }
}
