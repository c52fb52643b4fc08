import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { map, Observable } from 'rxjs';
import { serializedText } from '@common/cache/serialized-answer';

/** Sends analytics answers built from cached values as their stored JSON text (see serialized-answer.ts); any other body as usual. */
@Injectable()
export class SerializedAnswerInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((body: unknown) => {
        const text = serializedText(body);
        if (text === null) {
          return body;
        }
        ctx.switchToHttp().getResponse<Response>().type('application/json');
        return text;
      }),
    );
  }
}
