import { Injectable } from '@nestjs/common';
import { AnalyticsScopeService } from '@common/analytics-scope/analytics-scope.service';
import type { AuthContext } from '@modules/auth/auth.context';
import { SalesScope } from './sales.repository';
import { SalesErrors } from './sales.errors';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A sales request's scope: the shared scope (organization, published imports, cache) plus the day window, validated here. */
@Injectable()
export class SalesScopeService {
  constructor(private readonly scopes: AnalyticsScopeService) {}

  async resolve(auth: AuthContext, filter: { from?: string; to?: string; importId?: string }): Promise<SalesScope> {
    const fromDay = readDay('from', filter.from);
    const toDay = readDay('to', filter.to);
    if (fromDay !== null && toDay !== null && fromDay >= toDay) {
      throw SalesErrors.emptyRange(fromDay, toDay);
    }
    const scope = await this.scopes.resolve(auth, 'sales', filter.importId, { from: fromDay, to: toDay });
    return { ...scope, fromDay, toDay };
  }
}

/** A YYYY-MM-DD calendar date, or null when absent. */
function readDay(field: string, raw: string | undefined): string | null {
  if (raw === undefined || raw === '') {
    return null;
  }
  const m = DAY.exec(raw.trim());
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (y >= 1 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) {
      return m[0];
    }
  }
  throw SalesErrors.invalidDate(field, raw);
}
