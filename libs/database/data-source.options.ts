import { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';

/** TypeORM options shared by the app and the migration CLI; synchronize stays off everywhere. */
export function dataSourceOptions(databaseUrl: string, entities: DataSourceOptions['entities'] = []): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    migrationsRun: false,
    synchronize: false,
    logging: false,
    // JIT compiling took ~100 ms of a 2 s analytics query, and starting parallel workers ~45 ms of
    // a 5 ms index-only count: the queries the rollups leave are short, so the app's connections
    // run without either (a query that scans millions of rows asks for workers itself).
    extra: { max: 10, application_name: 'analytics-platform', options: '-c jit=off -c max_parallel_workers_per_gather=0' },
  };
}
