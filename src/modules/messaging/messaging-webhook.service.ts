import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac, timingSafeEqual } from 'crypto';
import { DataSource } from 'typeorm';
import { AppError } from '@common/errors';
import { normalizeMessageStatus, readEventTimestamp } from '@libs/cleaners';

/** A status event of the WhatsApp Cloud API, as kept in the inbox (short keys: the inbox holds many). */
export interface InboxEvent {
  m: string;
  s: string;
  t: string;
  r: string | null;
  c: string | null;
  e: string | null;
}

const MAX_ID = 200;

const WebhookErrors = {
  unknownOrg: (slug: string) => new AppError('NOT_FOUND', HttpStatus.NOT_FOUND, `No organization with the slug '${slug}' (GET /api/v1/organizations/current shows yours)`),
  notConfigured: () =>
    new AppError(
      'WEBHOOK_NOT_CONFIGURED',
      HttpStatus.UNAUTHORIZED,
      'This organization has no WhatsApp app secret: an admin sets it with PUT /api/v1/messaging/webhooks/whatsapp/config',
    ),
  badSignature: () =>
    new AppError('INVALID_SIGNATURE', HttpStatus.UNAUTHORIZED, 'X-Hub-Signature-256 is missing or is not sha256=<HMAC-SHA256 of the body with the app secret>; nothing was stored'),
  badPayload: (why: string) => new AppError('INVALID_PAYLOAD', HttpStatus.BAD_REQUEST, `Not a WhatsApp webhook payload: ${why}`),
  badHandshake: () => new AppError('FORBIDDEN', HttpStatus.FORBIDDEN, 'hub.mode must be subscribe and hub.verify_token the configured verify token'),
};

/**
 * The WhatsApp Cloud API status webhook of an organization: its app secret and verify token, the
 * handshake, and the reception of signed status payloads. An accepted payload's events are
 * committed to webhook_inbox before the 200 (a write-ahead: a process killed right after loses
 * nothing); MessagingLiveLoader loads them into the organization's live import within a second.
 */
@Injectable()
export class MessagingWebhookService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async configure(orgId: string, appSecret: string, verifyToken: string): Promise<{ configured: true; updatedAt: string }> {
    const [row] = await this.db.query<Array<{ updated_at: Date }>>(
      `INSERT INTO whatsapp_webhook_config (org_id, app_secret, verify_token) VALUES ($1, $2, $3)
       ON CONFLICT (org_id) DO UPDATE SET app_secret = EXCLUDED.app_secret, verify_token = EXCLUDED.verify_token, updated_at = now()
       RETURNING updated_at`,
      [orgId, appSecret, verifyToken],
    );
    return { configured: true, updatedAt: row.updated_at.toISOString() };
  }

  /** The challenge to echo when the handshake's mode and token are right. */
  async handshake(slug: string, mode: string | undefined, token: string | undefined, challenge: string | undefined): Promise<string> {
    const config = await this.config(slug);
    if (mode !== 'subscribe' || !config || token === undefined || !sameText(token, config.verify_token)) {
      throw WebhookErrors.badHandshake();
    }
    return challenge ?? '';
  }

  /** Verifies the signature over the raw body, then keeps the payload's status events (write-ahead). */
  async receive(slug: string, rawBody: Buffer | undefined, signature: string | undefined, body: unknown): Promise<{ received: number; accepted: number }> {
    const config = await this.config(slug);
    if (!config) {
      throw WebhookErrors.notConfigured();
    }
    const expected = `sha256=${createHmac('sha256', config.app_secret)
      .update(rawBody ?? Buffer.alloc(0))
      .digest('hex')}`;
    if (!rawBody || signature === undefined || !sameText(signature.toLowerCase(), expected)) {
      throw WebhookErrors.badSignature();
    }
    const statuses = readStatuses(body);
    const events = statuses.map(toInboxEvent).filter((e): e is InboxEvent => e !== null);
    if (events.length > 0) {
      await this.db.query(`INSERT INTO webhook_inbox (org_id, events) VALUES ($1, $2::jsonb)`, [config.org_id, JSON.stringify(events)]);
    }
    return { received: statuses.length, accepted: events.length };
  }

  private async config(slug: string): Promise<{ org_id: string; app_secret: string; verify_token: string } | null> {
    const rows = await this.db.query<Array<{ org_id: string | null; app_secret: string | null; verify_token: string | null }>>(
      `SELECT o.id AS org_id, c.app_secret, c.verify_token FROM organizations o LEFT JOIN whatsapp_webhook_config c ON c.org_id = o.id WHERE o.slug = $1`,
      [slug],
    );
    if (rows.length === 0) {
      throw WebhookErrors.unknownOrg(slug);
    }
    const r = rows[0];
    return r.app_secret === null ? null : { org_id: r.org_id!, app_secret: r.app_secret, verify_token: r.verify_token! };
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** entry[].changes[].value.statuses[] of a Cloud API notification (messages and other fields are not statuses). */
function readStatuses(body: unknown): Array<Record<string, unknown>> {
  if (!body || typeof body !== 'object' || !Array.isArray((body as { entry?: unknown }).entry)) {
    throw WebhookErrors.badPayload('expected an object with an entry array');
  }
  const out: Array<Record<string, unknown>> = [];
  for (const entry of (body as { entry: unknown[] }).entry) {
    const changes = (entry as { changes?: unknown })?.changes;
    if (!Array.isArray(changes)) continue;
    for (const change of changes) {
      const statuses = (change as { value?: { statuses?: unknown } })?.value?.statuses;
      if (Array.isArray(statuses)) {
        out.push(...statuses.filter((s): s is Record<string, unknown> => !!s && typeof s === 'object'));
      }
    }
  }
  return out;
}

/** A status as an inbox event, or null when it is not one (no id, an unknown status, a bad timestamp). */
function toInboxEvent(s: Record<string, unknown>): InboxEvent | null {
  const id = typeof s.id === 'string' ? s.id.trim() : '';
  const status = typeof s.status === 'string' ? normalizeMessageStatus(s.status.trim()) : null;
  const ts = typeof s.timestamp === 'string' || typeof s.timestamp === 'number' ? readEventTimestamp(String(s.timestamp).trim()) : null;
  if (id === '' || id.length > MAX_ID || status === null || ts === null) {
    return null;
  }
  const errors = Array.isArray(s.errors) ? s.errors : [];
  const code = (errors[0] as { code?: unknown } | undefined)?.code;
  const conversation = (s.conversation as { id?: unknown } | undefined)?.id;
  return {
    m: id,
    s: status,
    t: ts,
    r: typeof s.recipient_id === 'string' ? s.recipient_id.slice(0, MAX_ID) : null,
    c: typeof conversation === 'string' ? conversation.slice(0, MAX_ID) : null,
    e: typeof code === 'string' || typeof code === 'number' ? String(code).slice(0, MAX_ID) : null,
  };
}
