import { isEmail } from 'class-validator';
import { ScheduleErrors } from './schedules.errors';

/** POST of a JSON payload (signed when a secret is given), with the file itself when `attachFile`. */
export interface WebhookDelivery {
  type: 'webhook';
  url: string;
  secret?: string;
  attachFile?: boolean;
}

/** An email with the file attached (`attach`, under EMAIL_ATTACHMENT_MAX_BYTES) or a download link. */
export interface EmailDelivery {
  type: 'email';
  to: string[];
  attach?: boolean;
  subject?: string;
}

export type Delivery = WebhookDelivery | EmailDelivery;

export const MAX_DELIVERIES = 10;
const MAX_RECIPIENTS = 50;
const FIELDS: Record<Delivery['type'], string[]> = { webhook: ['type', 'url', 'secret', 'attachFile'], email: ['type', 'to', 'attach', 'subject'] };

/** Checks a schedule's deliveries: 400 naming every problem (by position), or the clean list. */
export function parseDeliveries(raw: unknown, emailConfigured: boolean): Delivery[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw ScheduleErrors.invalidDeliveries(['deliveries must be an array']);
  const problems: string[] = [];
  if (raw.length > MAX_DELIVERIES) problems.push(`at most ${MAX_DELIVERIES} deliveries`);
  const out: Delivery[] = [];
  raw.forEach((d: unknown, i) => {
    const at = `deliveries[${i}]`;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) {
      problems.push(`${at} must be an object`);
      return;
    }
    const o = d as Record<string, unknown>;
    if (o.type !== 'webhook' && o.type !== 'email') {
      problems.push(`${at}.type must be "webhook" or "email"`);
      return;
    }
    const unknown = Object.keys(o).filter((k) => !FIELDS[o.type as Delivery['type']].includes(k));
    if (unknown.length > 0) problems.push(`${at} has unknown field(s) ${unknown.join(', ')} (a ${o.type} delivery takes ${FIELDS[o.type].join(', ')})`);
    if (o.type === 'webhook') {
      const url = typeof o.url === 'string' ? parseUrl(o.url) : null;
      if (!url) problems.push(`${at}.url must be an http:// or https:// URL`);
      else if (url.username || url.password) problems.push(`${at}.url must not hold credentials (user:password@); use secret to let the receiver check the sender`);
      if (o.secret !== undefined && (typeof o.secret !== 'string' || o.secret.length < 8 || o.secret.length > 256))
        problems.push(`${at}.secret must be text of 8 to 256 characters`);
      if (o.attachFile !== undefined && typeof o.attachFile !== 'boolean') problems.push(`${at}.attachFile must be true or false`);
      out.push({ type: 'webhook', url: o.url as string, ...(o.secret !== undefined ? { secret: o.secret as string } : {}), attachFile: o.attachFile === true });
    } else {
      if (!emailConfigured) problems.push(`${at}: email deliveries need SMTP_URL set on the server`);
      const to = o.to;
      if (!Array.isArray(to) || to.length === 0 || to.length > MAX_RECIPIENTS) problems.push(`${at}.to must be a list of 1 to ${MAX_RECIPIENTS} email addresses`);
      else
        to.forEach((a, j) => {
          if (typeof a !== 'string' || !isEmail(a)) problems.push(`${at}.to[${j}] ${JSON.stringify(a)} is not an email address`);
        });
      if (o.attach !== undefined && typeof o.attach !== 'boolean') problems.push(`${at}.attach must be true or false`);
      if (o.subject !== undefined && (typeof o.subject !== 'string' || o.subject.length > 200 || /[\r\n]/.test(o.subject)))
        problems.push(`${at}.subject must be one line of at most 200 characters`);
      out.push({ type: 'email', to: Array.isArray(to) ? (to as string[]) : [], attach: o.attach !== false, ...(o.subject !== undefined ? { subject: o.subject as string } : {}) });
    }
  });
  if (problems.length > 0) throw ScheduleErrors.invalidDeliveries(problems);
  return out;
}

function parseUrl(text: string): URL | null {
  if (text.length > 2000) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** What a delivery goes to, as the run log shows it (no credentials, no secret). */
export function deliveryTarget(d: Delivery): string {
  if (d.type === 'email') return d.to.join(', ');
  const url = new URL(d.url);
  url.username = '';
  url.password = '';
  return url.toString();
}

/** A delivery as the API shows it: the secret is never given back, only whether there is one. */
export function publicDelivery(d: Delivery): Record<string, unknown> {
  if (d.type === 'email') return { ...d };
  const { secret, ...rest } = d;
  return { ...rest, url: deliveryTarget(d), hasSecret: secret !== undefined };
}

/**
 * A schedule's deliveries after an update: a webhook given without its secret keeps the secret it
 * had (the API never shows it, so a client cannot send it back), when its URL is unchanged.
 */
export function keepSecrets(next: Delivery[], previous: Delivery[]): Delivery[] {
  return next.map((d) => {
    if (d.type !== 'webhook' || d.secret !== undefined) return d;
    // Compared as the API shows them (normalised), since that is what a client sends back.
    const same = previous.find((p): p is WebhookDelivery => p.type === 'webhook' && p.secret !== undefined && deliveryTarget(p) === deliveryTarget(d));
    return same ? { ...d, secret: same.secret } : d;
  });
}
