import { CallHandler, ExecutionContext, Injectable, NestInterceptor, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { mergeMap, Observable } from 'rxjs';
import { csvDocument } from '@libs/export';

const CSV_COLUMNS = 'csv:columns';

/**
 * The columns of a route's CSV form (`?format=csv`): the fields of each element of the answer's
 * `data`. A route without `data` (a single record) is written as `metric,value` lines instead.
 */
export const CsvColumns = (...columns: string[]) => SetMetadata(CSV_COLUMNS, columns);

/** Answers `?format=csv` requests with text/csv built from the JSON answer; JSON otherwise. */
@Injectable()
export class CsvFormatInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<Request>();
    if (req.query.format !== 'csv') {
      return next.handle();
    }
    const columns = this.reflector.get<string[] | undefined>(CSV_COLUMNS, ctx.getHandler());
    const res = ctx.switchToHttp().getResponse<Response>();
    const name = req.path.split('/').filter(Boolean).pop() ?? 'answer';
    return next.handle().pipe(
      mergeMap(async (body: Record<string, unknown>) => {
        res.setHeader('Content-Type', 'text/csv; charset=utf-8');
        res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
        return columns
          ? csvDocument(
              columns,
              (body.data as Array<Record<string, unknown>>).map((r) => columns.map((c) => r[c])),
            )
          : metricsCsv(body);
      }),
    );
  }
}

/** Top-level fields as metric,value; an object field (counts by reason) becomes one line per key. */
function metricsCsv(body: Record<string, unknown>): Promise<string> {
  const rows: unknown[][] = [];
  for (const [field, value] of Object.entries(body)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) rows.push([`${field}.${k}`, v]);
    } else {
      rows.push([field, value]);
    }
  }
  return csvDocument(['metric', 'value'], rows);
}
