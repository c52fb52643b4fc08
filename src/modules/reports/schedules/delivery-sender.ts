import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { createHmac, randomBytes } from 'crypto';
import { promises as fs } from 'fs';
import { createTransport, Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { AppConfig } from '@config/app-config';
import { deliveryTarget, EmailDelivery, WebhookDelivery } from './deliveries';

/** A try that did not deliver: `permanent` ones are not tried again (a webhook's 4xx, a refused mailbox). */
export class DeliveryFailure extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly status: number | null,
  ) {
    super(message);
  }
}

export interface DeliveredFile {
  path: string;
  bytes: number;
  fileName: string;
  contentType: string;
}

export interface DeliveryContent {
  /** The JSON payload of a webhook, and what an email says. */
  payload: {
    deliveryId: string;
    attempt: number;
    schedule: { id: string; name: string | null; cron: string; timezone: string };
    run: { id: string; scheduledFor: string; trigger: string; startedAt: string | null };
    report: { id: string; name: string | null; source: string; format: string; rows: number; bytes: number; downloadUrl: string; expiresAt: string };
  };
  file: DeliveredFile;
}

export interface DeliveryResult {
  status: number | null;
  detail: Record<string, unknown>;
}

/** Statuses worth trying again: the receiver was busy or slow, not refusing. */
const RETRYABLE_4XX = new Set([408, 425, 429]);

/** Sends one delivery once; the caller records the outcome and decides on retries. */
@Injectable()
export class DeliverySender implements OnModuleDestroy {
  private transport: Transporter<SMTPTransport.SentMessageInfo> | null = null;

  constructor(private readonly config: AppConfig) {}

  onModuleDestroy(): void {
    this.transport?.close();
  }

  /**
   * POSTs the payload as JSON, or (attachFile, and the file under EMAIL_ATTACHMENT_MAX_BYTES) as
   * multipart/form-data with the parts `payload` and `file`. `X-Signature: sha256=<hex>` is the
   * HMAC-SHA256 of the raw body under the delivery's secret. Redirects are not followed.
   */
  async webhook(d: WebhookDelivery, c: DeliveryContent): Promise<DeliveryResult> {
    const withFile = d.attachFile === true && c.file.bytes <= this.config.EMAIL_ATTACHMENT_MAX_BYTES;
    const json = JSON.stringify({ ...c.payload, fileAttached: withFile });
    let body: Buffer;
    let contentType: string;
    if (withFile) {
      const boundary = `----report-${randomBytes(12).toString('hex')}`;
      body = Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="payload"\r\nContent-Type: application/json\r\n\r\n${json}\r\n`),
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${c.file.fileName}"\r\nContent-Type: ${c.file.contentType}\r\n\r\n`),
        await fs.readFile(c.file.path),
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
      contentType = `multipart/form-data; boundary=${boundary}`;
    } else {
      body = Buffer.from(json);
      contentType = 'application/json';
    }
    const headers: Record<string, string> = {
      'Content-Type': contentType,
      'User-Agent': 'analytics-platform-reports/1',
      'X-Delivery-Id': c.payload.deliveryId,
      'X-Delivery-Attempt': String(c.payload.attempt),
    };
    if (d.secret !== undefined) headers['X-Signature'] = `sha256=${createHmac('sha256', d.secret).update(body).digest('hex')}`;
    let res: Response;
    try {
      res = await fetch(d.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.config.DELIVERY_TIMEOUT_MS) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const reason = e.name === 'TimeoutError' ? `no answer within ${this.config.DELIVERY_TIMEOUT_MS} ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new DeliveryFailure(`POST ${deliveryTarget(d)} failed: ${reason}`, false, null);
    }
    const text = (await res.text().catch(() => '')).slice(0, 300);
    if (res.status >= 200 && res.status < 300) return { status: res.status, detail: { fileAttached: withFile, bytesSent: body.length } };
    const permanent = res.status >= 300 && res.status < 500 && !RETRYABLE_4XX.has(res.status);
    throw new DeliveryFailure(
      `POST ${deliveryTarget(d)} answered ${res.status}${res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : ''}${text ? `: ${text}` : ''}`,
      permanent,
      res.status,
    );
  }

  /** Sends the email through SMTP_URL: the file attached when asked and small enough, else the link. */
  async email(d: EmailDelivery, c: DeliveryContent): Promise<DeliveryResult> {
    if (!this.config.SMTP_URL) throw new DeliveryFailure('SMTP_URL is not set on the server', true, null);
    this.transport ??= createTransport(this.config.SMTP_URL);
    const attach = d.attach !== false && c.file.bytes <= this.config.EMAIL_ATTACHMENT_MAX_BYTES;
    const { schedule, run, report } = c.payload;
    const title = d.subject ?? `${report.name ?? report.source}: ${report.rows} rows`;
    const lines = [
      `${report.name ?? report.source} (${report.source}), ${report.format.toUpperCase()}, ${report.rows} rows.`,
      `Scheduled for ${run.scheduledFor} by schedule ${schedule.name ?? schedule.id} (${schedule.cron}, ${schedule.timezone}).`,
      attach ? `The file is attached (${report.bytes} bytes).` : `Download (until ${report.expiresAt}): ${report.downloadUrl}`,
      d.attach !== false && !attach
        ? `The file (${report.bytes} bytes) is larger than ${this.config.EMAIL_ATTACHMENT_MAX_BYTES} bytes (EMAIL_ATTACHMENT_MAX_BYTES), so it is linked instead of attached.`
        : '',
    ].filter(Boolean);
    try {
      const info = await this.transport.sendMail({
        from: this.config.SMTP_FROM,
        to: d.to,
        subject: title,
        text: `${lines.join('\n\n')}\n`,
        headers: { 'X-Delivery-Id': c.payload.deliveryId },
        attachments: attach ? [{ filename: c.file.fileName, path: c.file.path, contentType: c.file.contentType }] : [],
      });
      return { status: null, detail: { attached: attach, messageId: info.messageId, accepted: info.accepted, rejected: info.rejected } };
    } catch (err) {
      const e = err as Error & { responseCode?: number; code?: string };
      // 5xx from the server: the mailbox or message is refused for good; anything else may pass later.
      const permanent = e.responseCode !== undefined && e.responseCode >= 500;
      throw new DeliveryFailure(`SMTP: ${e.message}`, permanent, e.responseCode ?? null);
    }
  }
}
