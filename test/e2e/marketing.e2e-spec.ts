import request from 'supertest';
import { marketingCsvString } from '../../libs/datagen';
import { csvToObjects } from '../factories/json-rows';
import { dayList, marketingReference, MarketingRefFilter, refAnomalies, RefFigures, shiftDay } from '../factories/marketing-reference';
import { createKey, createOrg, startTestApp, TestApp, uploadCsv, uploadRaw, waitForImport } from '../factories/test-app';

/**
 * Marketing through HTTP: every answer against an independent plain-SQL computation over the raw
 * rows (test/factories/marketing-reference.ts, which finds each key's winning row on its own), for
 * several filters; restatements (rowsReplaced) and their undo, including a middle import of a
 * chain of three; JSON and CSV giving the same answers; mixed currencies; the old service's
 * routes; organization isolation; bad input.
 */
const SHAPE = { seed: 21, campaigns: 10, adGroupsPerCampaign: 2, adsPerAdGroup: 3, days: 75, endDay: '2025-03-31' };
const MAIN = marketingCsvString({ ...SHAPE, rows: 3000, errorRate: 0.01 });
const RESTATED = marketingCsvString({ ...SHAPE, rows: 3000, restateDays: 12 });
const END = '2025-03-31';

/** A third upload: some restated rows sent again with other costs, plus one key never seen. */
function thirdFile(): string {
  const [header, ...lines] = RESTATED.csv.trimEnd().split('\n');
  const plain = lines.filter((l) => !l.includes('"')).slice(0, 8);
  const changed = plain.map((l, i) => {
    const f = l.split(',');
    f[12] = `${(i + 1) * 7}.25`; // cost
    f[13] = `${(i + 1) * 11}.5`; // revenue
    return f.join(',');
  });
  return [header, ...changed, `cmp-new,meta,${END},New,,,,,,1000,40,4,80,200,USD`].join('\n') + '\n';
}

describe('Marketing (e2e)', () => {
  let t: TestApp;
  let key: string;
  let orgId: string;
  let mainId: string;
  let restatedId: string;
  let thirdId: string;

  const get = (p: string, k = key) => request(t.http).get(`/api/v1/${p}`).set('X-API-Key', k);
  const qs = (o: object) =>
    new URLSearchParams(
      Object.entries(o)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, String(v)]),
    ).toString();
  const load = async (k: string, csv: string | Buffer, query = 'rejectThreshold=0.2') => {
    const res = await uploadRaw(t, k, 'marketing', csv, query).expect(202);
    const done = await waitForImport(t, k, res.body.importId);
    expect(done.status).toBe('COMPLETED');
    return done;
  };
  const ref = () => marketingReference(t.db, orgId);
  const figuresOf = (o: object): RefFigures => {
    const { impressions, clicks, conversions, cost, revenue, roi, roas, cpc, cpa, ctr, cvr } = o as unknown as RefFigures;
    return { impressions, clicks, conversions, cost, revenue, roi, roas, cpc, cpa, ctr, cvr };
  };

  beforeAll(async () => {
    t = await startTestApp();
    ({ key, orgId } = await createOrg(t, 'marketing'));
    mainId = (await load(key, MAIN.csv)).importId;
    restatedId = (await load(key, RESTATED.csv)).importId;
    thirdId = (await load(key, thirdFile())).importId;
  });

  afterAll(async () => {
    await t.close();
  });

  const filters = (): MarketingRefFilter[] => [
    {},
    { campaign_id: 'cmp-3' },
    { platform: 'meta' },
    { start_date: '2025-02-01', end_date: '2025-03-20' },
    { importId: mainId },
    { importId: restatedId, campaign_id: 'cmp-7' },
    { ad_group_id: 'cmp-2-g1' },
    { ad_id: 'cmp-5-g0-a2', start_date: '2025-01-15' },
  ];

  it('should count the rows each upload replaced and reject repeated keys within a file', async () => {
    const imports = await Promise.all([mainId, restatedId, thirdId].map(async (id) => (await get(`imports/${id}`).expect(200)).body));
    expect(imports[0].rowsReplaced).toBe(0);
    expect(imports[0].rejectsByReason.DUPLICATE_KEY).toBe(MAIN.faultsByType.DUPLICATE_KEY);
    expect(imports[1].rowsReplaced).toBe(await ref().keysShared(restatedId, [mainId]));
    expect(imports[1].rowsReplaced).toBeGreaterThan(300);
    // The third file's restated keys replace the second's rows (which had replaced the first's).
    expect(imports[2].rowsReplaced).toBe(8);
  });

  it('should answer roi with totals and every formula exactly, for every filter', async () => {
    for (const f of filters()) {
      const res = await get(`marketing/roi?${qs(f)}`).expect(200);
      const r = await ref().roi(f);
      expect({ f, figures: figuresOf(res.body) }).toEqual({ f, figures: figuresOf(r) });
      expect(res.body.currency).toBe(r.currencies[0] ?? null);
      expect(res.body.queryTimeMs).toEqual(expect.any(Number));
    }
    // The old service's path gives the same answer.
    const old = await get('analytics/roi?platform=Google%20Ads').expect(200);
    expect(figuresOf(old.body)).toEqual(figuresOf(await ref().roi({ platform: 'google_ads' })));
  });

  it('should break figures down by every dimension exactly, sorted and paginated', async () => {
    for (const f of filters().slice(0, 6)) {
      for (const dimension of ['platform', 'campaign', 'ad_group', 'ad', 'date', 'week', 'month']) {
        const expected = await ref().breakdown(f, dimension);
        const res = await get(`marketing/breakdown?${qs({ ...f, dimension, sort: 'key', order: 'asc', limit: 1000 })}`).expect(200);
        expect(res.body.total).toBe(expected.size);
        const got = new Map<string, RefFigures>(res.body.data.map((r: Record<string, unknown>) => [r.key as string, figuresOf(r)]));
        expect({ f, dimension, got }).toEqual({ f, dimension, got: expected });
        expect(res.body.data.map((r: { key: string }) => r.key)).toEqual([...expected.keys()].sort());
      }
    }
    // By ROI descending, nulls last, then key; page 2 of 3.
    const all = [...(await ref().breakdown({}, 'ad')).entries()].sort(([ka, a], [kb, b]) =>
      a.roi === b.roi ? (ka < kb ? -1 : 1) : a.roi === null ? 1 : b.roi === null ? -1 : b.roi - a.roi,
    );
    const page = await get('marketing/breakdown?dimension=ad&sort=roi&order=desc&limit=3&page=2').expect(200);
    expect(page.body.data.map((r: { key: string }) => r.key)).toEqual(all.slice(3, 6).map(([k]) => k));
    expect(page.body).toMatchObject({ page: 2, pageSize: 3, total: all.length, totalPages: Math.ceil(all.length / 3) });
    expect(page.body.data[0].name).toEqual(expect.any(String));
  });

  it('should compare with the previous period of equal length', async () => {
    const f = { start_date: '2025-03-01', end_date: '2025-03-31' };
    const res = await get(`marketing/breakdown?${qs({ ...f, dimension: 'campaign', compare: 'previous_period', limit: 100 })}`).expect(200);
    expect(res.body.periods.previous).toEqual({ start_date: '2025-01-29', end_date: '2025-02-28' });
    const before = await ref().breakdown({ start_date: '2025-01-29', end_date: '2025-02-28' }, 'campaign');
    for (const row of res.body.data) {
      const prev = before.get(row.key) ?? { impressions: 0, clicks: 0, conversions: 0, cost: 0, revenue: 0, roi: null, roas: null, cpc: null, cpa: null, ctr: null, cvr: null };
      expect(row.previous).toEqual(prev);
      const pct = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : Math.round(((a - b) / Math.abs(b)) * 10000) / 100);
      const expected = pct(row.cost, prev.cost);
      if (expected === null) expect(row.change.cost).toBeNull();
      else expect(row.change.cost).toBeCloseTo(expected, 2);
    }
    await get('marketing/breakdown?compare=previous_period')
      .expect(400)
      .expect((r) => expect(r.body.error).toBe('INVALID_COMPARE'));
  });

  it('should give every bucket of a trend window, zero-filled, by day, week and month', async () => {
    const daily = await get('marketing/trends?days=30').expect(200);
    expect(daily.body).toMatchObject({ granularity: 'day', start_date: shiftDay(END, -29), end_date: END });
    const expected = await ref().breakdown({ start_date: shiftDay(END, -29), end_date: END }, 'date');
    expect(daily.body.data.map((p: { period: string }) => p.period)).toEqual(dayList(shiftDay(END, -29), END));
    for (const p of daily.body.data) {
      expect(figuresOf(p)).toEqual(
        expected.get(p.period) ?? figuresOf({ impressions: 0, clicks: 0, conversions: 0, cost: 0, revenue: 0, roi: null, roas: null, cpc: null, cpa: null, ctr: null, cvr: null }),
      );
    }
    const weekly = await get('marketing/trends?granularity=week&start_date=2025-01-01&end_date=2025-02-14&campaign_id=cmp-4').expect(200);
    const weeks = await ref().breakdown({ start_date: '2025-01-01', end_date: '2025-02-14', campaign_id: 'cmp-4' }, 'week');
    expect(weekly.body.data[0].period).toBe('2024-12-30');
    expect(weekly.body.data).toHaveLength(7);
    for (const p of weekly.body.data) expect(p.cost).toBe(weeks.get(p.period)?.cost ?? 0);
    const monthly = await get('analytics/trends?granularity=month&days=75').expect(200);
    expect(monthly.body.data.map((p: { period: string }) => p.period)).toEqual(['2025-01-01', '2025-02-01', '2025-03-01']);
    // A start after the last day with data: a window of that day, not one that ends before it starts.
    const after = await get('marketing/trends?start_date=2025-04-10&granularity=week').expect(200);
    expect(after.body).toMatchObject({ start_date: '2025-04-10', end_date: '2025-04-10' });
    expect(after.body.data.map((p: { period: string; cost: number }) => [p.period, p.cost])).toEqual([['2025-04-07', 0]]);
    // The latest day with data in a campaign's scope ends its window.
    const latest = await ref().latestDay({ campaign_id: 'cmp-0' });
    expect((await get('marketing/trends?campaign_id=cmp-0').expect(200)).body.end_date).toBe(latest);
  });

  it('should find z-score anomalies like a plain computation, for one entity and for every campaign', async () => {
    const start = shiftDay(END, -59);
    let found = 0;
    for (const metric of ['cost', 'clicks', 'revenue', 'impressions', 'roi', 'ctr', 'conversions']) {
      const res = await get(`marketing/anomalies?metric_type=${metric}&lookback_days=60&limit=1000`).expect(200);
      expect(res.body).toMatchObject({ start_date: start, end_date: END, entity_type: 'campaign' });
      const daily = await ref().daily({}, 'campaign', start, END);
      const expected = [...daily].flatMap(([entity, days]) =>
        refAnomalies(dayList(start, END).map((date) => ({ date, value: dayValue(metric, days.get(date)) }))).map((a) => ({ entity, ...a })),
      );
      expected.sort((a, b) => Math.abs(b.z) - Math.abs(a.z) || (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : a.date < b.date ? -1 : 1));
      found += expected.length;
      expect({ metric, got: res.body.data.map((a: Record<string, unknown>) => [a.entity_id, a.date, a.z_score, a.severity, a.description]) }).toEqual({
        metric,
        got: expected.map((a) => [a.entity, a.date, round4(a.z), a.severity, description(a, metric, 'campaign')]),
      });
    }
    expect(found).toBeGreaterThan(5);
    const one = await get('marketing/anomalies?metric_type=cost&entity_type=ad&entity_id=cmp-5-g0-a2&lookback_days=40').expect(200);
    const adDays = (await ref().daily({ ad_id: 'cmp-5-g0-a2' }, 'ad', shiftDay(END, -39), END)).get('cmp-5-g0-a2');
    const series = dayList(shiftDay(END, -39), END).map((date) => ({ date, value: dayValue('cost', adDays?.get(date)) }));
    expect(one.body.data.map((a: { date: string }) => a.date)).toEqual(
      refAnomalies(series)
        .sort((a, b) => Math.abs(b.z) - Math.abs(a.z))
        .map((a) => a.date),
    );
    // Fewer than 7 points → none.
    expect((await get('marketing/anomalies?metric_type=cost&lookback_days=6').expect(200)).body.data).toEqual([]);
  });

  it('should generate insights from the window and keep them in the history', async () => {
    const res = await get('marketing/insights?limit=3&cpa_threshold=20').expect(200);
    expect(res.body).toMatchObject({ start_date: shiftDay(END, -29), end_date: END, currency: 'USD' });
    const window = { start_date: shiftDay(END, -29), end_date: END };
    const campaigns = [...(await ref().breakdown(window, 'campaign'))].filter(([, c]) => c.cost > 0);
    const best = campaigns.sort(([ka, a], [kb, b]) => b.roi! - a.roi! || b.revenue - a.revenue || (ka < kb ? -1 : 1)).slice(0, 3);
    const byType = (type: string) => res.body.data.filter((i: { type: string }) => i.type === type);
    expect(byType('best_campaign').map((i: { entity_id: string }) => i.entity_id)).toEqual(best.map(([k]) => k));
    expect(byType('best_campaign')[0].description).toBe(
      `Campaign achieved ROI of ${best[0][1].roi!.toFixed(2)}% with $${best[0][1].revenue.toFixed(2)} revenue from $${best[0][1].cost.toFixed(2)} spend.`,
    );
    const ads = [...(await ref().breakdown(window, 'ad'))].filter(([, a]) => a.cost > 0 && (a.revenue < a.cost || (a.conversions > 0 && a.cost / a.conversions > 20)));
    ads.sort(([ka, a], [kb, b]) => a.cost - b.cost || (ka < kb ? -1 : 1));
    expect(byType('underperforming_ad').map((i: { entity_id: string }) => i.entity_id)).toEqual(ads.slice(0, 3).map(([k]) => k));
    for (const i of byType('underperforming_ad')) {
      const a = ads.find(([k]) => k === i.entity_id)![1];
      expect(i.severity).toBe((a.revenue - a.cost) * 5 < -a.cost ? 'warning' : 'info');
    }
    const total = campaigns.reduce((s, [, c]) => ({ cost: s.cost + c.cost, conv: s.conv + c.conversions }), { cost: 0, conv: 0 });
    const wasteful = campaigns.filter(([, c]) => c.cost * 20 >= total.cost && (c.conversions === 0 || c.cost / c.conversions > (2 * total.cost) / total.conv));
    expect(
      byType('budget_inefficiency')
        .map((i: { entity_id: string }) => i.entity_id)
        .sort(),
    ).toEqual(
      wasteful
        .sort(([, a], [, b]) => b.cost - a.cost)
        .slice(0, 3)
        .map(([k]) => k)
        .sort(),
    );
    expect(byType('anomaly_detected').length).toBeLessThanOrEqual(3);
    for (const i of res.body.data) expect(Object.keys(i).sort()).toEqual(['created_at', 'description', 'entity_id', 'entity_type', 'metadata', 'severity', 'title', 'type']);
    // The old path answers the same; the history holds what was generated, newest first.
    expect((await get('insights/summary?limit=3&cpa_threshold=20').expect(200)).body.data).toEqual(res.body.data);
    const history = await get('marketing/insights/history?pageSize=100').expect(200);
    expect(history.body.total).toBe(res.body.data.length);
    expect(history.body.data.map((i: { type: string; entity_id: string }) => `${i.type}:${i.entity_id}`).sort()).toEqual(
      res.body.data.map((i: { type: string; entity_id: string }) => `${i.type}:${i.entity_id}`).sort(),
    );
  });

  it('should give the same answers for the same rows sent as JSON', async () => {
    const [csvOrg, jsonOrg] = [await createOrg(t, 'marketing-csv'), await createOrg(t, 'marketing-json')];
    await load(csvOrg.key, MAIN.csv);
    const json = JSON.stringify(csvToObjects(MAIN.csv));
    const res = await request(t.http)
      .post('/api/v1/imports/marketing?rejectThreshold=0.2')
      .set('X-API-Key', jsonOrg.key)
      .set('Content-Type', 'application/json')
      .send(json)
      .expect(202);
    expect((await waitForImport(t, jsonOrg.key, res.body.importId)).status).toBe('COMPLETED');
    const paths = [
      'marketing/roi',
      'marketing/breakdown?dimension=ad&limit=1000&sort=key',
      'marketing/trends?days=75',
      'marketing/anomalies?metric_type=cost&lookback_days=75',
      'marketing/insights',
    ];
    for (const p of paths) {
      const viaCsv = await get(p, csvOrg.key).expect(200);
      const viaJson = await get(p, jsonOrg.key).expect(200);
      expect(strip(viaJson.body)).toEqual(strip(viaCsv.body));
    }
  });

  it('should bring the earlier values back when a later upload is deleted, also from the middle of a chain', async () => {
    const before = (await get('marketing/roi').expect(200)).body;
    expect(figuresOf(before)).toEqual(figuresOf(await ref().roi({})));
    // Deleting the middle import: its replaced rows of the first come back only where the third does not hold the key.
    await request(t.http).delete(`/api/v1/imports/${restatedId}`).set('X-API-Key', key).expect(200);
    for (const f of [{}, { campaign_id: 'cmp-3' }, { ad_group_id: 'cmp-2-g1' }]) {
      expect(figuresOf((await get(`marketing/roi?${qs(f)}`).expect(200)).body)).toEqual(figuresOf(await ref().roi(f)));
      const byDay = await ref().breakdown(f, 'date');
      const res = await get(`marketing/breakdown?${qs({ ...f, dimension: 'date', limit: 1000 })}`).expect(200);
      expect(new Map(res.body.data.map((r: Record<string, unknown>) => [r.key, figuresOf(r)]))).toEqual(byDay);
    }
    await request(t.http).delete(`/api/v1/imports/${thirdId}`).set('X-API-Key', key).expect(200);
    const onlyMain = (await get('marketing/roi').expect(200)).body;
    expect(figuresOf(onlyMain)).toEqual(figuresOf((await get(`marketing/roi?importId=${mainId}`).expect(200)).body));
    expect(figuresOf(onlyMain)).toEqual(figuresOf(await ref().roi({})));
    // Sending the restatement again replaces the same rows again.
    restatedId = (await load(key, RESTATED.csv)).importId;
    expect((await get(`imports/${restatedId}`).expect(200)).body.rowsReplaced).toBe(await ref().keysShared(restatedId, [mainId]));
    expect(figuresOf((await get('marketing/roi').expect(200)).body)).toEqual(figuresOf(await ref().roi({})));
  });

  it('should keep the later upload current when it published first', async () => {
    const other = await createOrg(t, 'marketing-order');
    const head = 'campaign_id,platform,date,ad_id,cost,revenue\n';
    // Uploaded "later" (its upload time moved an hour ahead) and published first.
    const later = await load(other.key, `${head}o1,meta,2025-01-01,a1,10,30\no2,meta,2025-01-01,a2,20,10\n`);
    await t.db.query(`UPDATE imports SET created_at = created_at + interval '1 hour' WHERE id = $1`, [later.importId]);
    const earlier = await load(other.key, `${head}o1,meta,2025-01-01,a1,99,1\no3,meta,2025-01-01,a3,5,5\n`);
    expect((await get(`imports/${earlier.importId}`, other.key).expect(200)).body.rowsReplaced).toBe(0);
    const roi = (await get('marketing/roi', other.key).expect(200)).body;
    expect(roi).toMatchObject({ cost: 35, revenue: 45, rows: 3 });
    expect(figuresOf(roi)).toEqual(figuresOf(await marketingReference(t.db, other.orgId).roi({})));
    // Ad-level answers read the rows: the earlier upload's row of a1 counts as superseded, with its own figures.
    const byAd = async () =>
      (await get('marketing/breakdown?dimension=ad&sort=key&order=asc', other.key).expect(200)).body.data.map((r: { key: string; cost: number; revenue: number }) => [
        r.key,
        r.cost,
        r.revenue,
      ]);
    expect(await byAd()).toEqual([
      ['a1', 10, 30],
      ['a2', 20, 10],
      ['a3', 5, 5],
    ]);
    expect((await get('marketing/roi?ad_id=a1', other.key).expect(200)).body).toMatchObject({ cost: 10, revenue: 30, rows: 1 });
    // Deleting the later one brings the earlier upload's row of o1 back.
    await request(t.http).delete(`/api/v1/imports/${later.importId}`).set('X-API-Key', other.key).expect(200);
    expect((await get('marketing/roi', other.key).expect(200)).body).toMatchObject({ cost: 104, revenue: 6 });
    expect(
      (await get('marketing/breakdown?dimension=campaign&sort=key&order=asc', other.key).expect(200)).body.data.map((r: { key: string; cost: number }) => [r.key, r.cost]),
    ).toEqual([
      ['o1', 99],
      ['o3', 5],
    ]);
    expect(await byAd()).toEqual([
      ['a1', 99, 1],
      ['a3', 5, 5],
    ]);
  });

  it('should refuse to add up several currencies unless one is chosen', async () => {
    const other = await createOrg(t, 'marketing-fx');
    const head = 'campaign_id,platform,date,impressions,clicks,conversions,cost,revenue,currency\n';
    await load(other.key, `${head}c1,meta,2025-01-01,100,10,1,10.00,25.00,usd\nc2,meta,2025-01-01,100,10,1,10,5,USD\n`);
    await load(other.key, `${head}c3,meta,2025-01-02,100,10,2,30,10,EUR\n`);
    const mixed = await get('marketing/roi', other.key).expect(409);
    expect(mixed.body).toMatchObject({ error: 'MIXED_CURRENCY', details: { currencies: ['EUR', 'USD'] } });
    expect(mixed.body.message).toContain('EUR, USD');
    await get('marketing/breakdown', other.key).expect(409);
    await get('marketing/trends', other.key).expect(409);
    const eur = await get('marketing/roi?currency=eur', other.key).expect(200);
    expect(eur.body).toMatchObject({ currency: 'EUR', cost: 30, revenue: 10, roi: -66.6667, cpa: 15, roas: 0.3333 });
    // The known values: ROI(100 → 150) = 50, CPC(100 / 50) = 2, CPA(100 / 10) = 10, CTR(50 / 1000) = 5; zero denominators → null.
    const known = await createOrg(t, 'marketing-known');
    await load(known.key, `${head}k1,google_ads,2025-01-01,1000,50,10,100,150,USD\nk2,google_ads,2025-01-01,0,0,0,0,0,USD\n`);
    expect((await get('marketing/roi', known.key).expect(200)).body).toMatchObject({ roi: 50, roas: 1.5, cpc: 2, cpa: 10, ctr: 5, cvr: 20 });
    expect((await get('marketing/roi?campaign_id=k2', known.key).expect(200)).body).toMatchObject({ roi: null, roas: null, cpc: null, cpa: null, ctr: null, cvr: null, cost: 0 });
  });

  it('should take records through the old ingest route as JSON, CSV or a multipart file', async () => {
    const other = await createOrg(t, 'marketing-ingest');
    const records = [
      { campaign_id: 'i1', platform: 'tiktok', date: '2025-02-01', impressions: 100, clicks: 3, conversions: 1, cost: 12.5, revenue: 30 },
      { campaign_id: 'i2', platform: 'TikTok', date: '2025-02-01', impressions: '2,000', clicks: '40', cost: '$80.00' },
    ];
    const json = await request(t.http).post('/api/v1/data/ingest').set('X-API-Key', other.key).send(records).expect(202);
    expect(json.body).toEqual({ message: 'Data ingestion started', task_id: json.body.importId, records_count: 2, importId: expect.any(String) });
    expect((await waitForImport(t, other.key, json.body.importId)).progress.rowsLoaded).toBe(2);
    const csv = 'campaign_id,platform,date,cost\ni3,meta,2025-02-02,5\ni4,meta,2025-02-02,"1,005.10"\ni5,meta,2025-02-02,1\n';
    const viaCsv = await request(t.http).post('/api/v1/data/ingest').set('X-API-Key', other.key).set('Content-Type', 'text/csv').send(csv).expect(202);
    expect(viaCsv.body.records_count).toBe(3);
    await waitForImport(t, other.key, viaCsv.body.importId);
    const viaFile = await request(t.http).post('/api/v1/data/ingest').set('X-API-Key', other.key).attach('file', Buffer.from(csv), 'ads.csv').expect(202);
    expect(viaFile.body.records_count).toBe(3);
    const last = await waitForImport(t, other.key, viaFile.body.importId);
    expect(last).toMatchObject({ status: 'COMPLETED', rowsReplaced: 3 });
    expect((await get('marketing/roi', other.key).expect(200)).body).toMatchObject({ cost: 1103.6, impressions: 2100 });

    const post = (body: unknown) =>
      request(t.http)
        .post('/api/v1/data/ingest')
        .set('X-API-Key', other.key)
        .send(body as object);
    expect((await post({ campaign_id: 'x' }).expect(400)).body).toMatchObject({ error: 'INVALID_PAYLOAD', message: 'Data must be a list of records' });
    expect((await post([{ campaign_id: 'a', platform: 'b' }, { campaign_id: 'a' }]).expect(400)).body).toMatchObject({
      error: 'INVALID_RECORD',
      details: { index: 1, fields: ['platform'] },
    });
    expect((await post([{ platform: 'b' }]).expect(400)).body.message).toBe('Record 0 is missing campaign_id');
    await request(t.http).post('/api/v1/data/ingest').set('X-API-Key', other.key).set('Content-Type', 'application/json').send('[{"a":').expect(400);
    // Nothing refused above was imported.
    expect((await get('imports?kind=marketing', other.key).expect(200)).body.total).toBe(3);
    const viewer = await createKey(t, other.key, 'viewer');
    await request(t.http).post('/api/v1/data/ingest').set('X-API-Key', viewer).send(records).expect(403);
  });

  it("should keep each organization's data to itself", async () => {
    const other = await createOrg(t, 'marketing-isolated');
    expect((await get('marketing/roi', other.key).expect(200)).body).toMatchObject({ rows: 0, cost: 0, roi: null, currency: null });
    expect((await get('marketing/breakdown', other.key).expect(200)).body.total).toBe(0);
    expect((await get('marketing/insights', other.key).expect(200)).body.data).toEqual([]);
    await get(`marketing/roi?importId=${mainId}`, other.key).expect(404);
    expect((await get('marketing/insights/history', other.key).expect(200)).body.total).toBe(0);
  });

  it('should answer bad parameters with a 400 naming them', async () => {
    const cases: Array<[string, string]> = [
      ['marketing/anomalies', 'metric_type'],
      ['marketing/anomalies?metric_type=likes', 'metric_type'],
      ['marketing/breakdown?dimension=country', 'dimension'],
      ['marketing/roi?start_date=2025-02-30', 'start_date'],
      ['marketing/roi?start_date=2025-03-02&end_date=2025-03-01', 'start_date'],
      ['marketing/trends?granularity=hour', 'granularity'],
      ['marketing/roi?currency=dollars', 'currency'],
      ['marketing/anomalies?metric_type=cost&entity_type=country', 'entity_type'],
      ['marketing/breakdown?limit=5000', 'limit'],
    ];
    for (const [path, field] of cases) {
      const res = await get(path).expect(400);
      expect({ path, message: res.body.message }).toEqual({ path, message: expect.stringContaining(field) });
    }
    const bad = await uploadCsv(t, key, 'marketing', 'campaign,spend\nx,1\n').expect(400);
    expect(bad.body.message).toContain('campaign_id');
  });
});

function dayValue(metric: string, f: RefFigures | undefined): number {
  if (!f) return 0;
  if (metric === 'roi') return f.roi ?? 0;
  if (metric === 'ctr') return f.ctr ?? 0;
  return f[metric as 'cost'];
}

function round4(v: number): number {
  return (Math.sign(v) * Math.round(Math.abs(v) * 10000)) / 10000 || 0;
}

function description(a: { value: number; mean: number; pct: number; z: number }, metric: string, entity: string): string {
  return `Anomalous ${a.value > a.mean ? 'spike' : 'drop'} detected in ${metric} for ${entity}. Value: ${a.value.toFixed(2)} (expected: ${a.mean.toFixed(2)}, ${a.pct.toFixed(1)}% deviation, Z-score: ${a.z.toFixed(2)})`;
}

/** An answer without its per-request fields. */
function strip(body: Record<string, unknown>): Record<string, unknown> {
  const { queryTimeMs: _q, cached: _c, dataVersion: _d, filters: _f, ...rest } = body;
  if (Array.isArray(rest.data)) {
    rest.data = rest.data.map((item: Record<string, unknown>) => {
      const { created_at: _t, ...kept } = item;
      return kept;
    });
  }
  return rest;
}
