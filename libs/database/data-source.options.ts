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
    extra: { max: 10, application_name: 'analytics-platform' },
  };
}
