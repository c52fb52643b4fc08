import request from 'supertest';
import { messagingCsvString } from '../../libs/datagen';
import { RefEvent, refEvents, refOutcomes } from '../factories/messaging-reference';
import { createOrg, startTestApp, TestApp, uploadRaw, waitForImport } from '../factories/test-app';

/**
 * Messaging through HTTP against an independent computation over the raw events
 * (test/factories/messaging-reference.ts): each message's outcome from all its events, in any
 * order and across imports, kept exact when an import publishes and when one is deleted.
 */
const GENERATED = messagingCsvString({ events: 8000, seed: 5, days: 3, end: '2025-06-30T00:00:00Z', errorRate: 0 });

/** Two overlapping uploads of the generated file: its first 60 % of lines and its last 60 %. */
function splitFile(): [string, string] {
  const [header, ...lines] = GENERATED.csv.trimEnd().split('\n');
  const a = lines.slice(0, Math.floor(lines.length * 0.6));
  const b = lines.slice(Math.floor(lines.length * 0.4));
  return [[header, ...a].join('\n') + '\n', [header, ...b].join('\n') + '\n'];
}

const eventKey = (e: RefEvent) => `${e.messageId}|${e.status}|${e.ms}`;

describe('Messaging (e2e)', () => {
  let t: TestApp;
  let key: string;
  let orgId: string;
  const [fileA, fileB] = splitFile();

  const load = async (csv: string) => {
    const res = await uploadRaw(t, key, 'message-events', csv).expect(202);
    const done = await waitForImport(t, key, res.body.importId);
    expect(done.status).toBe('COMPLETED');
    return done;
  };
  const remove = (id: string) => request(t.http).delete(`/api/v1/imports/${id}`).set('X-API-Key', key).expect(200);

  /** message_outcomes of the organization in the reference's shape. */
  const storedOutcomes = async () => {
    const { rows } = await t.db.query(
      `SELECT message_id, (extract(epoch FROM first_ts) * 1000)::float8 AS first_ms, (extract(epoch FROM first_sent_ts) * 1000)::float8 AS first_sent_ms,
              (extract(epoch FROM first_delivered_ts) * 1000)::float8 AS first_delivered_ms, is_read, is_failed, error_code,
              provider_latency_ms::float8 AS provider_latency_ms, channel, template_id, campaign_id, events
       FROM message_outcomes WHERE org_id = $1 ORDER BY message_id`,
      [orgId],
    );
    return new Map(
      rows.map((r) => [
        r.message_id,
        {
          messageId: r.message_id, firstMs: r.first_ms, firstSentMs: r.first_sent_ms, firstDeliveredMs: r.first_delivered_ms, isRead: r.is_read,
          isFailed: r.is_failed, errorCode: r.error_code, providerLatencyMs: r.provider_latency_ms, channel: r.channel, templateId: r.template_id,
          campaignId: r.campaign_id, events: r.events,
        },
      ]),
    );
  };

  beforeAll(async () => {
    t = await startTestApp();
    ({ key, orgId } = await createOrg(t, 'messaging'));
  });

  afterAll(async () => {
    await t?.close();
  });

  it('should keep each message outcome from all its events across imports, and after deleting either', async () => {
    const a = await load(fileA);
    expect(await storedOutcomes()).toEqual(refOutcomes(refEvents([fileA])));
    const b = await load(fileB);
    // The overlap was already loaded: repeats, expected.
    expect(b.rejectsByReason.DUPLICATE_EVENT).toBeGreaterThan(1000);
    const both = refOutcomes(refEvents([fileA, fileB]));
    expect(both.size).toBeGreaterThan(2000);
    // Messages whose events are split between the two uploads exist.
    const onlyA = refOutcomes(refEvents([fileA]));
    expect([...both.values()].some((o) => onlyA.has(o.messageId) && onlyA.get(o.messageId)!.events < o.events)).toBe(true);
    expect(await storedOutcomes()).toEqual(both);

    // B stored only its events A did not hold (a repeat is not stored twice): deleting A takes the
    // overlap with it, and each message's outcome is recomputed from what is left.
    await remove(a.importId);
    const inA = new Set(refEvents([fileA]).map(eventKey));
    const storedByB = refEvents([fileB]).filter((e) => !inA.has(eventKey(e)));
    expect(await storedOutcomes()).toEqual(refOutcomes(storedByB));

    await remove(b.importId);
    expect((await storedOutcomes()).size).toBe(0);
    // Loaded again, B holds all its events.
    await load(fileB);
    expect(await storedOutcomes()).toEqual(refOutcomes(refEvents([fileB])));
  });
});
