import { applyDecorators, CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata, UseInterceptors } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { from, Observable, switchMap } from 'rxjs';
import type { AuthContext } from '@modules/auth/auth.context';
import { AuditService } from './audit.service';

const AUDITED = 'audit:action';

interface AuditedSpec {
  action: string;
  targetType: string;
}

/**
 * The route changes something worth an audit event: written after the handler succeeds, with the
 * caller, the target (the `:id` of the path, else the answer's id) and the names of the fields
 * sent (never their values: webhook secrets and passwords travel in bodies).
 */
export const Audited = (action: string, targetType: string) =>
  // On the audited routes only: every interceptor costs each request it wraps an async resource.
  applyDecorators(SetMetadata(AUDITED, { action, targetType } satisfies AuditedSpec), UseInterceptors(AuditInterceptor));

const idOf = (answer: unknown): string | null => {
  if (!answer || typeof answer !== 'object') return null;
  const a = answer as Record<string, unknown>;
  const id = a.id ?? a.importId ?? a.reportId ?? a.report_id ?? a.runId;
  return typeof id === 'string' ? id : null;
};

@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditService,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditedSpec | undefined>(AUDITED, context.getHandler());
    if (!spec) {
      return next.handle();
    }
    const req = context.switchToHttp().getRequest<Request & { auth?: AuthContext }>();
    return next.handle().pipe(switchMap((answer: unknown) => from(this.write(spec, req, answer).then(() => answer))));
  }

  private async write(spec: AuditedSpec, req: Request & { auth?: AuthContext }, answer: unknown): Promise<void> {
    if (!req.auth) return;
    const params = (req.params ?? {}) as Record<string, string | undefined>;
    const items: unknown[] = Array.isArray(answer) ? answer : [answer];
    const fields = req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body) ? Object.keys(req.body as object).slice(0, 50) : undefined;
    for (const item of items) {
      const body = item && typeof item === 'object' && 'body' in item ? item.body : item;
      const id = params.id ?? idOf(body) ?? params.kind ?? params.type ?? null;
      const details: Record<string, unknown> = {};
      if (fields && fields.length > 0) details.fields = fields;
      if (params.kind) details.kind = params.kind;
      if (params.type) details.type = params.type;
      await this.audit.record(req.auth, { action: spec.action, target: { type: spec.targetType, id }, details: Object.keys(details).length ? details : undefined });
    }
  }
}
