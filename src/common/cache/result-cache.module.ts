import { Module } from '@nestjs/common';
import { ResultCache } from './result-cache.service';

/** One answer cache (and one Redis connection) shared by every analytics module. */
@Module({ providers: [ResultCache], exports: [ResultCache] })
export class ResultCacheModule {}
