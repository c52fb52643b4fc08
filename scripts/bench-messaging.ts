/**
 * npm run bench:messaging -- --events 10000000 [--shape default|adversarial] [--days 90] [--seed 1] [--duration 20]
 *                            [--webhook-rate 2000] [--webhook-seconds 60] [--import-only] [--keep]
 *
 * The messaging domain end to end, in one run:
 * - the message-events file (libs/datagen/messaging.generator.ts: WhatsApp-style lifecycles over
 *   --days days ending at the current hour, so the dashboard's periods hold data; the adversarial
 *   shape: 50K templates, 200K campaigns, long ids, 10 % re-sent, reads days later, 365 days),
 *   generated unless it exists;
 * - the physical limit: `psql \copy` of the same file into an unindexed all-text table;
 * - the product path: HTTP upload (raw text/csv) → COMPLETED (events, message outcomes), with the
 *   ratio to the raw COPY (target ≤ 2×), the job's phases and the app's peak RSS;
 * - the HTTP floor (the no-op /health/live under 50 connections);
 * - `delivery` hourly over the whole span and `dashboard` (day, week, month): cold (the first
 *   request after a publish: a 10-event import before each of 3 tries; target ≤ 500 ms), warm
 *   (autocannon, 50 connections; target p95 ≤ 50 ms) and, for delivery, uncached (random windows);
 * - the live webhook: signed notifications carrying --webhook-rate events a second for
 *   --webhook-seconds seconds (20 statuses a request), 1 % of them re-sent; then every event must
 *   be stored exactly once (zero lost, zero doubled), with the acknowledgement latency and the lag
 *   until the last one is visible.
 * The machine is shared and noisy: compare with what Postgres alone does in the same run.
 */
import { createHmac } from 'crypto';
import { createReadStream, promises as fs, statSync } from 'fs';
import Redis from 'ioredis';
import * as os from 'os';
import * as path from 'path';
import { Client } from 'pg';
import { Readable } from 'stream';
import { MESSAGING_HEADER, MESSAGING_SHAPES, MessagingShape, writeMessagingCsv } from '../libs/datagen';
import { dropDatabase } from '../libs/database/ensure-database';
import { partitionName } from '../libs/ingest';
import { AppConfig } from '../src/config/app-config';
import { benchStage, flags, peakRssMb, RunningApp, startApp, withDatabase } from './lib/bench-env';
import { EndpointBench, generate, httpFloor, importCsv, measureEndpoint, met, ms, pcts, sleep } from './lib/bench-load';
import { rawCopySeconds } from './lib/raw-copy';

const KEY = 'bench-admin-key-0123456789';
const HEADERS = { 'X-API-Key': KEY };
const PORT = 3994;
const HOUR_MS = 3_600_000;
const WARM_P95_TARGET = 50;
const COLD_TARGET = 500;
const SECRET = 'bench-app-secret-0123';
const STATUSES_PER_REQUEST = 20;

interface Bench extends EndpointBench {
  publishes: number;
}

async function main(): Promise<void> {
  const f = flags();
  const events = Number(f.events ?? 10_000_000);
  const shape = (f.shape ?? 'default') as MessagingShape;
  if (!MESSAGING_SHAPES.includes(shape)) throw new Error(`--shape must be ${MESSAGING_SHAPES.join(' or ')}`);
  const days = Number(f.days ?? (shape === 'adversarial' ? 365 : 90));
  const seed = Number(f.seed ?? 1);
  const duration = Number(f.duration ?? 20);
  const webhookRate = Number(f['webhook-rate'] ?? 2000);
  const webhookSeconds = Number(f['webhook-seconds'] ?? 60);
  // The data ends at the current hour, so the dashboard's last hour, day, week and month hold some.
  const end = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS).toISOString();
  const file = path.join(os.tmpdir(), `bench-messaging-${events}-d${days}-s${seed}${shape === 'default' ? '' : `-${shape}`}-${end.slice(0, 13)}.csv`);
  const config = AppConfig.fromProcessEnv();
  const { url, prefix, dataDir, reset, remove } = benchStage(config, 'messaging');
  const rawDb = 'analytics_bench_messaging_raw';

  await generate(file, (out) => writeMessagingCsv(out, { events, seed, days, end, shape }).then((r) => ({ rows: r.events, bytes: r.bytes })));
  const sizeMb = statSync(file).size / 1e6;
  console.log(`message-events file: ${events.toLocaleString()} events, ${sizeMb.toFixed(0)} MB, ${days} days to ${end}, shape ${shape}`);
  await reset();

  const redis = new Redis(config.REDIS_URL);
  const db = new Client({ connectionString: url });
  let app: RunningApp | undefined;
  const spanStart = Date.parse(end) - days * 86_400_000;
  const randomWindow = () => {
    const a = spanStart + Math.floor(Math.random() * days * 24) * HOUR_MS;
    const b = spanStart + Math.floor(Math.random() * days * 24) * HOUR_MS;
    return `from=${new Date(Math.min(a, b)).toISOString()}&to=${new Date(Math.max(a, b) + HOUR_MS).toISOString()}`;
  };
  try {
    console.log('\nraw COPY (psql \\copy, unindexed all-text table) ...');
    const rawCopy = await rawCopySeconds(config.DATABASE_URL, file, MESSAGING_HEADER.split(','), rawDb, 'csv');
    console.log(`raw COPY ${rawCopy.toFixed(1)} s (${Math.round(events / rawCopy).toLocaleString()} rows/s)`);

    app = await startApp({ DATABASE_URL: url, REDIS_PREFIX: prefix, DATA_DIR: dataDir, BOOTSTRAP_ADMIN_API_KEY: KEY, LOG_LEVEL: 'warn' }, PORT);
    const b: Bench = { app, redis, db, prefix, headers: HEADERS, duration, publishes: 0, publishTiny: () => publishTiny(b) };

    console.log('\nproduct import (HTTP upload → COMPLETED) ...');
    const main = await importCsv(b, 'message-events', createReadStream(file, { highWaterMark: 1 << 20 }), statSync(file).size);
    const m = main.imp.metrics;
    const rss = peakRssMb(app.proc.pid!);
    const ratio = main.seconds / rawCopy;
    console.log(
      `product import ${main.seconds.toFixed(1)} s end-to-end, job ${(m.executionTimeMs / 1000).toFixed(1)} s; ${ratio.toFixed(2)}× the raw COPY (target ≤ 2×: ${met(ratio <= 2)})`,
    );
    console.log(`phasesMs ${JSON.stringify(m.phasesMs)}`);
    console.log(`rows loaded ${m.rowsLoaded.toLocaleString()}, rejected ${m.rowsRejected.toLocaleString()} ${JSON.stringify(main.imp.rejectsByReason)}`);
    console.log(`app peak RSS ${rss} MB; post-commit indexing ${(main.settledSeconds - main.seconds).toFixed(1)} s after COMPLETED`);
    await db.connect();
    const [{ n: messages }] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM message_outcomes`)).rows;
    console.log(`messages (outcomes) ${messages.toLocaleString()}`);
    if (f['import-only']) return;

    console.log('\n== HTTP floor ==');
    const floor = await httpFloor(b);
    const fullSpan = `from=${new Date(spanStart).toISOString()}&to=${end}`;
    const endpoints: Array<{ name: string; path: string; window?: () => string }> = [
      { name: `delivery hourly, ${days} days`, path: `/api/v1/messaging/delivery?granularity=hourly&${fullSpan}` },
      // Cold and warm: the default window (the last 7 days); uncached: a random window of the span per request.
      { name: 'delivery hourly, random windows', path: '/api/v1/messaging/delivery?granularity=hourly', window: randomWindow },
      { name: 'dashboard day', path: '/api/v1/messaging/dashboard?time_period=day' },
      { name: 'dashboard week', path: '/api/v1/messaging/dashboard?time_period=week' },
      { name: 'dashboard month', path: '/api/v1/messaging/dashboard?time_period=month' },
    ];
    const results = [];
    for (const e of endpoints) {
      results.push(await measureEndpoint(b, e.name, e.path, e.window));
    }

    console.log(`\n== webhook: ${webhookRate} events/s for ${webhookSeconds} s ==`);
    const hook = await webhookLoad(b, db, webhookRate, webhookSeconds);

    console.log('\n== bench:messaging summary ==\n');
    console.log(
      `events ${events.toLocaleString()} (seed ${seed}, shape ${shape}, ${sizeMb.toFixed(0)} MB, ${days} days, ${messages.toLocaleString()} messages); warm ${duration} s × 50 connections\n`,
    );
    console.log('| answer | cold max ms | warm p50 / p95 / p99 ms | warm req/s | uncached p50 / p95 ms | target |');
    console.log('|---|---|---|---|---|---|');
    for (const { name, cold, warm: w, uncached: u } of results) {
      const checks = [`warm p95 ≤ ${WARM_P95_TARGET}: ${met(w.p95 <= WARM_P95_TARGET)}`, `cold ≤ ${COLD_TARGET}: ${met(Math.max(...cold) <= COLD_TARGET)}`];
      if (w.non2xx + w.errors + (u?.non2xx ?? 0) + (u?.errors ?? 0) > 0) checks.push(`**non-2xx ${w.non2xx + (u?.non2xx ?? 0)}, errors ${w.errors + (u?.errors ?? 0)}**`);
      console.log(`| ${[name, ms(Math.max(...cold)), pcts(w), w.rps.toFixed(0), u ? `${ms(u.p50)} / ${ms(u.p95)}` : '–', checks.join('; ')].join(' | ')} |`);
    }
    console.log(`| HTTP floor (no-op /health/live) | – | ${pcts(floor)} | ${floor.rps.toFixed(0)} | – | the framework alone, same load |`);
    const line = (k: string, v: string) => console.log(`${k.padEnd(30)} ${v}`);
    console.log('');
    line('product import', `${main.seconds.toFixed(1)} s end-to-end (${Math.round(events / main.seconds).toLocaleString()} events/s)`);
    line('raw COPY', `${rawCopy.toFixed(1)} s`);
    line('ratio product / raw COPY', `${ratio.toFixed(2)}× (target ≤ 2×: ${met(ratio <= 2)})`);
    line('app peak RSS', `${rss} MB after the import, ${peakRssMb(app.proc.pid!)} MB at the end`);
    line(
      'webhook events sent',
      `${hook.sent.toLocaleString()} in ${hook.requests.toLocaleString()} requests (${hook.resent.toLocaleString()} re-sent) at ${hook.rate.toFixed(0)} events/s`,
    );
    line('webhook acknowledgement', `p50 / p95 / p99 ${ms(hook.ack.p50)} / ${ms(hook.ack.p95)} / ${ms(hook.ack.p99)} ms; non-200 ${hook.failed}`);
    line(
      'webhook stored',
      `${hook.stored.toLocaleString()} distinct of ${hook.distinct.toLocaleString()} sent: lost ${hook.lost}, doubled ${hook.doubled} (target 0 / 0: ${met(hook.lost === 0 && hook.doubled === 0 && hook.failed === 0)})`,
    );
    line('webhook lag', `the last event visible ${ms(hook.lagMs)} ms after its acknowledgement`);
  } finally {
    await app?.stop();
    await db.end().catch(() => undefined);
    redis.disconnect();
    await dropDatabase(withDatabase(config.DATABASE_URL, rawDb));
    if (f.keep) {
      console.log(`\nkept: psql ${url}  (Redis prefix ${prefix}, data dir ${dataDir}, file ${file})`);
    } else {
      await remove();
      await fs.rm(file, { force: true });
    }
  }
}

/** A publish that bumps the data version: 10 events of messages of their own. */
async function publishTiny(b: Bench): Promise<void> {
  const n = ++b.publishes;
  const at = new Date(Date.now() - 3_600_000).toISOString();
  const lines = Array.from({ length: 10 }, (_, i) => `bench-cold-${n}-${i},sent,${at},,,,,,,,`);
  const csv = [MESSAGING_HEADER, ...lines].join('\n') + '\n';
  const { imp } = await importCsv(b, 'message-events', Readable.from([csv]), Buffer.byteLength(csv));
  if (imp.metrics.rowsLoaded !== 10) {
    throw new Error(`the 10-event publish loaded ${imp.metrics.rowsLoaded}: ${JSON.stringify(imp.rejectsByReason)}`);
  }
}

/** Signed notifications at `rate` events a second for `seconds`; then checks every event is stored exactly once. */
async function webhookLoad(b: Bench, db: Client, rate: number, seconds: number) {
  const base = b.app.baseUrl;
  const me = (await (await fetch(`${base}/api/v1/organizations/current`, { headers: HEADERS })).json()) as { slug: string };
  const put = await fetch(`${base}/api/v1/messaging/webhooks/whatsapp/config`, {
    method: 'PUT',
    headers: { ...HEADERS, 'Content-Type': 'application/json' },
    body: JSON.stringify({ appSecret: SECRET, verifyToken: 'bench' }),
  });
  if (!put.ok) throw new Error(`config: ${put.status} ${await put.text()}`);
  const target = `${base}/api/v1/messaging/webhooks/whatsapp/${me.slug}`;
  const requestsPerSecond = rate / STATUSES_PER_REQUEST;
  const total = Math.round(requestsPerSecond * seconds);
  const ack: number[] = [];
  let failed = 0;
  let sent = 0;
  let resent = 0;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let lastAckAt = 0;
  const tsBase = Math.floor(Date.now() / 1000) - 600;
  for (let r = 0; r < total; r++) {
    // Paced: request r leaves at r / requestsPerSecond seconds.
    const due = started + (r / requestsPerSecond) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const statuses = Array.from({ length: STATUSES_PER_REQUEST }, (_, i) => {
      const k = r * STATUSES_PER_REQUEST + i;
      // 1 %: an event of an earlier request, sent again.
      const isRepeat = k > 100 && k % 100 === 0;
      const id = isRepeat ? k - 50 : k;
      if (isRepeat) resent++;
      return { id: `wamid.bench.${id}`, status: 'delivered', timestamp: String(tsBase + (id % 600)), recipient_id: `1555${id % 10000}` };
    });
    sent += statuses.length;
    const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ changes: [{ field: 'messages', value: { statuses } }] }] });
    const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
    const t0 = performance.now();
    const p = fetch(target, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': signature }, body })
      .then(async (res) => {
        await res.arrayBuffer();
        if (res.status !== 200) failed++;
        ack.push(performance.now() - t0);
        lastAckAt = Date.now();
      })
      .catch(() => void failed++)
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  const distinct = sent - resent;
  // Wait until the inbox is empty and the live import holds them all.
  let stored = 0;
  let doubled = 0;
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(100)) {
    const [{ n }] = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM webhook_inbox`)).rows;
    if (n === 0) {
      const [{ live }] = (await db.query<{ live: string }>(`SELECT import_id AS live FROM messaging_live_imports LIMIT 1`)).rows;
      const part = partitionName('message_events', live);
      const [row] = (
        await db.query<{ n: number; d: number }>(`SELECT count(*)::int AS n, count(DISTINCT (message_id, status, ts))::int AS d FROM ${part} WHERE message_id LIKE 'wamid.bench.%'`)
      ).rows;
      stored = row.d;
      doubled = row.n - row.d;
      if (stored >= distinct) break;
    }
  }
  const lagMs = Date.now() - lastAckAt;
  ack.sort((a, c) => a - c);
  const pct = (p: number) => ack[Math.min(ack.length - 1, Math.ceil((p / 100) * ack.length) - 1)];
  return {
    sent,
    resent,
    distinct,
    requests: total,
    rate: sent / elapsed,
    failed,
    stored,
    doubled,
    lost: distinct - stored,
    lagMs,
    ack: { p50: pct(50), p95: pct(95), p99: pct(99) },
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
