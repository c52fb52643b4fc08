import { Injectable } from '@nestjs/common';
import { createHmac, timingSafeEqual } from 'crypto';
import { AppConfig } from '@config/app-config';
import { SchedulesRepository } from './schedules.repository';
import { ScheduleErrors } from './schedules.errors';

/**
 * Signed download links for emails and webhooks, which reach people without an API key:
 * `/api/v1/report-links/{reportId}?expires=<unix s>&signature=<hex>`, an HMAC-SHA256 of the
 * report id and the expiry under a key kept in Postgres (one for every process).
 */
@Injectable()
export class ReportLinks {
  private secret: Promise<Buffer> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly repo: SchedulesRepository,
  ) {}

  /** The address this API is reached at (PUBLIC_BASE_URL, else localhost and PORT). */
  baseUrl(): string {
    return (this.config.PUBLIC_BASE_URL ?? `http://localhost:${this.config.PORT}`).replace(/\/+$/, '');
  }

  /** A link valid until the report's file expires. */
  async link(reportId: string, finishedAt: Date): Promise<{ url: string; expiresAt: string }> {
    const expires = Math.floor(finishedAt.getTime() / 1000) + this.config.REPORT_RETENTION_DAYS * 86400;
    const signature = await this.sign(reportId, expires);
    return { url: `${this.baseUrl()}/api/v1/report-links/${reportId}?expires=${expires}&signature=${signature}`, expiresAt: new Date(expires * 1000).toISOString() };
  }

  /** 403 for a wrong signature, 410 past its expiry. */
  async verify(reportId: string, expires: string, signature: string): Promise<void> {
    const at = Number(expires);
    if (!/^\d{1,12}$/.test(expires) || !/^[0-9a-f]{64}$/.test(signature)) throw ScheduleErrors.badLink();
    const expected = Buffer.from(await this.sign(reportId.toLowerCase(), at), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) throw ScheduleErrors.badLink();
    if (at * 1000 < Date.now()) throw ScheduleErrors.linkExpired();
  }

  private async sign(reportId: string, expires: number): Promise<string> {
    this.secret ??= this.repo.linkSecret().catch((err: unknown) => {
      this.secret = null;
      throw err;
    });
    return createHmac('sha256', await this.secret)
      .update(`${reportId}.${expires}`)
      .digest('hex');
  }
}
