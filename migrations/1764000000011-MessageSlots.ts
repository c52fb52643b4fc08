import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * message_slots: each organization's messages by quarter hour of their first event (UTC quarter
 * hours: every zone's offset today is a multiple of 15 minutes, so a quarter hour lies in one
 * bucket of any zone), with their counts by outcome and their delivery latencies. An
 * unfiltered delivery answer reads these for the whole quarter hours of its window and the
 * messages themselves only at the window's two ends: 90 days hourly read 3M message rows and
 * sorted them (3.8 s cold at 10M events); now 8,640 slot rows. Percentiles stay exact: the
 * service selects the ranks it needs from a bucket's latencies and interpolates as percentile_cont.
 * message_slot_failures: the failed messages of each slot by failure code.
 *
 * refresh_message_slots(org, slots) rewrites the given slots (NULL: all of the organization's)
 * from message_outcomes; every writer of message_outcomes calls it in its transaction for the
 * slots its messages left and entered. message_latency_ms() is the one definition of a message's
 * latency, used here and by the answers that read message_outcomes directly (filtered ones).
 */
export class MessageSlots1764000000011 implements MigrationInterface {
  name = 'MessageSlots1764000000011';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION message_slot(ts timestamptz) RETURNS timestamptz
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN date_bin('15 minutes', ts, TIMESTAMPTZ '2000-01-01 00:00:00+00')`);
    // First delivered-or-read time − first sent time in ms (never below 0: clocks of different
    // senders), else the provider's delivery_latency_ms when the sent event is missing; none for
    // an undelivered message.
    await q.query(`
      CREATE FUNCTION message_latency_ms(first_sent_ts timestamptz, first_delivered_ts timestamptz, provider_latency_ms bigint) RETURNS float8
      LANGUAGE sql IMMUTABLE PARALLEL SAFE
      RETURN CASE WHEN first_delivered_ts IS NULL THEN NULL
        WHEN first_sent_ts IS NOT NULL THEN greatest(0, extract(epoch FROM first_delivered_ts - first_sent_ts) * 1000)::float8
        ELSE provider_latency_ms::float8 END`);
    await q.query(`
      CREATE TABLE message_slots (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        slot timestamptz NOT NULL,
        messages integer NOT NULL,
        sent integer NOT NULL,
        delivered integer NOT NULL,
        read integer NOT NULL,
        failed integer NOT NULL,
        latencies bytea NOT NULL,
        PRIMARY KEY (org_id, slot)
      )`);
    // Sorted float8 values do not compress: store them without trying.
    await q.query(`ALTER TABLE message_slots ALTER COLUMN latencies SET STORAGE EXTERNAL`);
    await q.query(`
      CREATE TABLE message_slot_failures (
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        slot timestamptz NOT NULL,
        error_code text COLLATE "C",
        messages integer NOT NULL
      )`);
    await q.query(`CREATE INDEX message_slot_failures_slot_idx ON message_slot_failures (org_id, slot)`);
    // latencies: the slot's delivered messages' latencies as big-endian float8 (float8send), in no order.
    await q.query(`
      CREATE FUNCTION refresh_message_slots(p_org uuid, p_slots timestamptz[]) RETURNS void
      LANGUAGE plpgsql AS $fn$
      DECLARE
        messages text := CASE WHEN p_slots IS NULL
          THEN 'SELECT message_slot(o.first_ts) AS slot, o.* FROM message_outcomes o WHERE o.org_id = $1'
          ELSE 'SELECT s.slot, o.* FROM (SELECT DISTINCT unnest($2) AS slot) s
                JOIN message_outcomes o ON o.org_id = $1 AND o.first_ts >= s.slot AND o.first_ts < s.slot + interval ''15 minutes''' END;
      BEGIN
        DELETE FROM message_slots WHERE org_id = p_org AND (p_slots IS NULL OR slot = ANY (p_slots));
        DELETE FROM message_slot_failures WHERE org_id = p_org AND (p_slots IS NULL OR slot = ANY (p_slots));
        EXECUTE format(
          'INSERT INTO message_slots (org_id, slot, messages, sent, delivered, read, failed, latencies)
           SELECT $1, slot, count(*), count(*) FILTER (WHERE first_sent_ts IS NOT NULL OR first_delivered_ts IS NOT NULL),
                  count(*) FILTER (WHERE first_delivered_ts IS NOT NULL), count(*) FILTER (WHERE is_read),
                  count(*) FILTER (WHERE is_failed AND first_delivered_ts IS NULL),
                  coalesce(string_agg(float8send(latency), ''''::bytea) FILTER (WHERE latency IS NOT NULL), ''''::bytea)
           FROM (SELECT m.*, message_latency_ms(m.first_sent_ts, m.first_delivered_ts, m.provider_latency_ms) AS latency FROM (%s) m) m
           GROUP BY slot', messages) USING p_org, p_slots;
        EXECUTE format(
          'INSERT INTO message_slot_failures (org_id, slot, error_code, messages)
           SELECT $1, slot, error_code, count(*) FROM (%s) m WHERE is_failed AND first_delivered_ts IS NULL
           GROUP BY slot, error_code', messages) USING p_org, p_slots;
      END $fn$`);
    await q.query(`SELECT refresh_message_slots(id, NULL) FROM organizations WHERE id IN (SELECT DISTINCT org_id FROM message_outcomes)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION refresh_message_slots(uuid, timestamptz[])`);
    await q.query(`DROP TABLE message_slot_failures`);
    await q.query(`DROP TABLE message_slots`);
    await q.query(`DROP FUNCTION message_latency_ms(timestamptz, timestamptz, bigint)`);
    await q.query(`DROP FUNCTION message_slot(timestamptz)`);
  }
}
