import { prepareDatabase } from '../../libs/database/migrate';
import { testEnvFor } from './test-env';

export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  Object.assign(process.env, testEnvFor(runId, process.env));
  await prepareDatabase(process.env.DATABASE_URL!);
}
