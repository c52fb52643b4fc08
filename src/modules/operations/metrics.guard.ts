import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { OperationsAccess } from './operations-access';

/** GET /metrics: METRICS_TOKEN or an admin (the route is @Public so the global guard lets the token through). */
@Injectable()
export class MetricsGuard implements CanActivate {
  constructor(private readonly access: OperationsAccess) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.access.checkMetricsReader(context.switchToHttp().getRequest<Request>().headers);
    return true;
  }
}
