import { BadRequestException, CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { isUUID } from 'class-validator';
import type { AuthContext } from '@modules/auth/auth.context';
import { IngestionService } from './ingestion.service';

/**
 * An event stream's 404 must come before the stream starts: once a Server-Sent Events route
 * answers, its status is 200 and an error can only be an event. Guards run before that, so this
 * one looks the import up in the caller's organization first.
 */
@Injectable()
export class ImportVisibleGuard implements CanActivate {
  constructor(private readonly ingestion: IngestionService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { auth: AuthContext }>();
    const id = String(req.params.id);
    if (!isUUID(id)) {
      throw new BadRequestException('Validation failed (uuid is expected)');
    }
    await this.ingestion.findOrThrow(req.auth.orgId, id);
    return true;
  }
}
