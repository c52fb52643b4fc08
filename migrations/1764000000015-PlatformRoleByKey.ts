import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Migration 14 gave the platform role to every admin key named `bootstrap-admin`; before it, any
 * organization's admin could give a key that name, and so could hold the platform role after it.
 * The role is taken from every key here; at boot the app gives it to exactly the key that
 * BOOTSTRAP_ADMIN_API_KEY names (matched by its hash, see AuthService.ensureBootstrapKey).
 */
export class PlatformRoleByKey1764000000015 implements MigrationInterface {
  name = 'PlatformRoleByKey1764000000015';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`UPDATE api_keys SET platform_admin = false WHERE platform_admin`);
  }

  async down(): Promise<void> {
    // The role is given back at boot to the configured bootstrap key; nothing to restore.
  }
}
