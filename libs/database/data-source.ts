import { DataSource } from 'typeorm';
import { AppConfig } from '../../src/config/app-config';
import { dataSourceOptions } from './data-source.options';

// Entry point for the TypeORM CLI: `npx typeorm -d dist/libs/database/data-source.js migration:run|revert`.
export default new DataSource(dataSourceOptions(AppConfig.fromProcessEnv().DATABASE_URL));
