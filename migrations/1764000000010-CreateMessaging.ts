import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The messaging kinds, partitioned by import like every dataset table: message status events
 * (one row per event; a message's outcome comes from all its events, in any order and across
 * imports), the platform users' engagement events, and the services' metrics.
 * message_outcomes: one row per message of an organization, from all its events in the live
 * imports, rewritten for the messages an import touches when it publishes or is deleted (in that
 * transaction, under the organization's publish lock): delivery answers group these by the time
 * of each message's first event instead of grouping millions of events by message. One partition
 * per organization (message_outcomes_o_<id>), made by the first publish that needs it.
 * messaging_reports: the reports the old service's POST reports/* routes make, stored as answered.
 */
export class CreateMessaging1764000000010 implements MigrationInterface {
  name = 'CreateMessaging1764000000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE message_events (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        line_no integer NOT NULL,
        message_id text COLLATE "C" NOT NULL,
        status text COLLATE "C" NOT NULL,
        ts timestamptz NOT NULL,
        channel text COLLATE "C" NOT NULL,
        recipient_id text COLLATE "C",
        template_id text COLLATE "C",
        campaign_id text COLLATE "C",
        conversation_id text COLLATE "C",
        error_code text COLLATE "C",
        retry_count bigint NOT NULL,
        delivery_latency_ms bigint
      ) PARTITION BY LIST (import_id)`);
    await q.query(`
      CREATE TABLE engagement_events (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        line_no integer NOT NULL,
        user_id text COLLATE "C" NOT NULL,
        action_type text COLLATE "C" NOT NULL,
        ts timestamptz NOT NULL,
        duration_ms bigint
      ) PARTITION BY LIST (import_id)`);
    await q.query(`
      CREATE TABLE system_metrics (
        org_id uuid NOT NULL,
        import_id uuid NOT NULL,
        line_no integer NOT NULL,
        service_name text COLLATE "C" NOT NULL,
        metric_name text COLLATE "C" NOT NULL,
        metric_value numeric NOT NULL,
        ts timestamptz NOT NULL
      ) PARTITION BY LIST (import_id)`);
    // Partitioned by organization: an organization's first import writes its partition by
    // CREATE TABLE … AS and indexes it afterwards (inserting 3M rows into indexes shared by every
    // organization took 79 s).
    await q.query(`
      CREATE TABLE message_outcomes (
        org_id uuid NOT NULL,
        message_id text COLLATE "C" NOT NULL,
        first_ts timestamptz NOT NULL,
        first_sent_ts timestamptz,
        first_delivered_ts timestamptz,
        is_read boolean NOT NULL,
        is_failed boolean NOT NULL,
        error_code text COLLATE "C",
        provider_latency_ms bigint,
        channel text COLLATE "C" NOT NULL,
        template_id text COLLATE "C",
        campaign_id text COLLATE "C",
        events integer NOT NULL,
        PRIMARY KEY (org_id, message_id)
      ) PARTITION BY LIST (org_id)`);
    await q.query(`CREATE INDEX message_outcomes_org_first_idx ON message_outcomes (org_id, first_ts)`);
    await q.query(`
      CREATE TABLE messaging_reports (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        type text NOT NULL,
        params jsonb NOT NULL,
        result jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX messaging_reports_org_created_idx ON messaging_reports (org_id, created_at DESC, id)`);

    // Webhooks address an organization by a slug: its name's letters and digits and the start of its id.
    await q.query(`ALTER TABLE organizations ADD COLUMN slug text`);
    await q.query(`
      CREATE FUNCTION organization_slug(name text, id uuid) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT coalesce(nullif(trim(both '-' from lower(regexp_replace(name, '[^A-Za-z0-9]+', '-', 'g'))), ''), 'org') || '-' || left(replace(id::text, '-', ''), 8)
      $$`);
    await q.query(`UPDATE organizations SET slug = organization_slug(name, id)`);
    await q.query(`ALTER TABLE organizations ALTER COLUMN slug SET NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX organizations_slug_key ON organizations (slug)`);
    await q.query(`
      CREATE FUNCTION organizations_set_slug() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.slug IS NULL THEN NEW.slug := organization_slug(NEW.name, NEW.id); END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER organizations_slug BEFORE INSERT ON organizations FOR EACH ROW EXECUTE FUNCTION organizations_set_slug()`);
    // The WhatsApp app secret signs the webhook's bodies; the verify token answers its handshake.
    await q.query(`
      CREATE TABLE whatsapp_webhook_config (
        org_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
        app_secret text NOT NULL,
        verify_token text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Write-ahead of acknowledged webhook events: a row is committed before the 200 and removed
    // in the transaction that loads its events.
    await q.query(`
      CREATE TABLE webhook_inbox (
        id bigserial PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        received_at timestamptz NOT NULL DEFAULT now(),
        events jsonb NOT NULL
      )`);
    // The import each organization's webhook events go into (one live import at a time).
    await q.query(`
      CREATE TABLE messaging_live_imports (
        org_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
        import_id uuid NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE messaging_live_imports`);
    await q.query(`DROP TABLE webhook_inbox`);
    await q.query(`DROP TABLE whatsapp_webhook_config`);
    await q.query(`DROP TRIGGER organizations_slug ON organizations`);
    await q.query(`DROP FUNCTION organizations_set_slug()`);
    await q.query(`ALTER TABLE organizations DROP COLUMN slug`);
    await q.query(`DROP FUNCTION organization_slug(text, uuid)`);
    await q.query(`DROP TABLE messaging_reports`);
    await q.query(`DROP TABLE message_outcomes`);
    await q.query(`DROP TABLE system_metrics`);
    await q.query(`DROP TABLE engagement_events`);
    await q.query(`DROP TABLE message_events`);
  }
}
