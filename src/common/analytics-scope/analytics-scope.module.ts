import { Module } from '@nestjs/common';
import { ResultCacheModule } from '@common/cache/result-cache.module';
import { AnalyticsScopeService } from './analytics-scope.service';
import { OrgImportsRepository } from './org-imports.repository';

/** The analytics scope (organization, published imports, cache by data version) every domain uses. */
@Module({ imports: [ResultCacheModule], providers: [OrgImportsRepository, AnalyticsScopeService], exports: [AnalyticsScopeService] })
export class AnalyticsScopeModule {}
