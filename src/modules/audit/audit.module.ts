import { Global, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@config/app-config';
import { AuditInterceptor } from './audited';
import { AuditController } from './audit.controller';
import { AuditService } from './audit.service';

/** Worker processes drop audit events older than AUDIT_RETENTION_DAYS, hourly. */
@Injectable()
class AuditRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AuditRetention.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.runsWorkers) {
      return;
    }
    const run = () =>
      this.audit
        .expire(this.config.AUDIT_RETENTION_DAYS)
        .then((n) => n > 0 && this.logger.log(`${n} audit events older than ${this.config.AUDIT_RETENTION_DAYS} days removed`))
        .catch((err: unknown) => this.logger.warn({ err }, 'audit retention failed'));
    this.timer = setInterval(() => void run(), 3_600_000);
    this.timer.unref();
    void run();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}

@Global()
@Module({ controllers: [AuditController], providers: [AuditService, AuditRetention, AuditInterceptor], exports: [AuditService, AuditInterceptor] })
export class AuditModule {}
