import * as http from 'http';
import { AddressInfo } from 'net';
import { simpleParser, ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

/** Decides a request's answer: status (and body); may wait first. */
export type Responder = (req: ReceivedRequest, nth: number) => Promise<{ status: number; body?: string }> | { status: number; body?: string };

/** A real HTTP server on 127.0.0.1 that records every request; answers 200 unless told otherwise per path. */
export interface WebhookReceiver {
  url(path: string): string;
  received(path?: string): ReceivedRequest[];
  respond(path: string, responder: Responder): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const responders = new Map<string, Responder>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: ReceivedRequest = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      requests.push(r);
      const nth = requests.filter((x) => x.path === r.path).length;
      Promise.resolve((responders.get(r.path) ?? (() => ({ status: 200, body: 'ok' })))(r, nth))
        .then(({ status, body }) => res.writeHead(status, { 'Content-Type': 'text/plain' }).end(body ?? ''))
        .catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    received: (path) => requests.filter((r) => path === undefined || r.path === path),
    respond: (path, responder) => responders.set(path, responder),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A real SMTP server (smtp-server) on 127.0.0.1 that parses every message it accepts; a recipient in `refuse` gets 550. */
export interface SmtpReceiver {
  url: string;
  messages: ParsedMail[];
  refuse: Set<string>;
  close(): Promise<void>;
}

export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const messages: ParsedMail[] = [];
  const refuse = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (refuse.has(address.address)) {
        const err = new Error('mailbox unavailable') as Error & { responseCode: number };
        err.responseCode = 550;
        callback(err);
        return;
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        messages.push(mail);
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = (server as unknown as { server: http.Server }).server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    refuse,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
