import { once } from 'events';
import { Injectable, Logger } from '@nestjs/common';
import { promises as fs } from 'fs';
import { monitorEventLoopDelay } from 'perf_hooks';
import * as path from 'path';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { AppConfig } from '@config/app-config';
import { CsvParser } from '@libs/csv';
import type { ImportAccumulator } from '@libs/rollups';
import { ImportMetrics } from './entities/import.entity';
import { ImportAbort } from './ingestion.errors';
import { IngestionRepository, ImportProgress } from './ingestion.repository';
import { DuplicateGuard } from '@libs/ingest/duplicate-guard';
import { CopyLines, DatasetKind, HeaderMapping, RemovedRowsSink, Sql } from '@libs/ingest';
import { KindRegistry } from './kind.registry';
import type { LoadWorkerData } from '@libs/ingest/load-worker';
import { InlineProcessor, PieceProcessor, WorkerPoolProcessor } from '@libs/ingest/piece-processors';
import { RowPipeline } from '@libs/ingest/row-pipeline';
import { LoadCounters, PieceSpan, streamIntoCopy, writeRejectedLines } from '@libs/ingest/load-pipeline';
import { attachImportTable, createImportTable, partitionName } from '@libs/ingest';
import { RejectsWriter } from '@libs/ingest/rejects-writer';

export interface RunOutcome {
  importId: string;
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'SKIPPED';
  rowsLoaded?: number;
  rowsRejected?: number;
}

/**
 * Samples the process RSS so the import can report its peak, and the event-loop delay: Bull renews
 * the job lock from a timer, so a long stall would let the lock lapse mid-load.
 */
class RunSampler {
  peakBytes = process.memoryUsage.rss();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });
  private readonly timer = setInterval(() => {
    this.peakBytes = Math.max(this.peakBytes, process.memoryUsage.rss());
  }, 100);

  constructor() {
    this.loopDelay.enable();
  }

  peakRssMb(): number {
    return Math.round((Math.max(this.peakBytes, process.memoryUsage.rss()) / 1048576) * 10) / 10;
  }

  maxEventLoopDelayMs(): number {
    return Math.round(this.loopDelay.max / 1e6);
  }

  stop(): void {
    clearInterval(this.timer);
    this.loopDelay.disable();
  }
}

/**
 * One import, start to publish, in ONE Postgres transaction on a dedicated connection:
 * create the import's own table, COPY the cleaned rows into it, reject duplicates, attach it as a
 * partition, run the kind's publish hook, mark the import COMPLETED, commit; then index its key.
 * A crash anywhere before COMMIT leaves nothing behind; a rerun starts over.
 */
@Injectable()
export class ImportRunner {
  private readonly logger = new Logger(ImportRunner.name);

  constructor(
    private readonly config: AppConfig,
    private readonly repo: IngestionRepository,
    private readonly registry: KindRegistry,
  ) {}

  async run(importId: string, reportPercent: (pct: number) => Promise<void>, isLastAttempt: boolean): Promise<RunOutcome> {
    // The run's own connection holds an advisory lock on the import for as long as it lives: a
    // second runner (a stalled-job retry while the first worker is alive but slow) backs off,
    // and a dead worker's lock vanishes with its connection.
    const client = new Client({ connectionString: this.config.DATABASE_URL, application_name: `import ${importId}` });
    // A dropped connection must fail this run, not crash the process.
    client.on('error', (err) => this.logger.error({ err, importId }, `Import ${importId}: database connection lost`));
    await client.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`import:${importId}`]);
      if (!rows[0].ok) {
        this.logger.warn(`Import ${importId} is being run by another worker; this run stands down`);
        return { importId, status: 'SKIPPED' };
      }
      return await this.runClaimed(client, importId, reportPercent, isLastAttempt);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  private async runClaimed(client: Client, importId: string, reportPercent: (pct: number) => Promise<void>, isLastAttempt: boolean): Promise<RunOutcome> {
    const imp = await this.repo.claim(importId);
    if (!imp) {
      this.logger.log(`Import ${importId} is not QUEUED or PROCESSING any more; nothing to do`);
      return { importId, status: 'SKIPPED' };
    }
    const kind = this.registry.get(imp.kind);
    const filePath = path.resolve(this.config.DATA_DIR, imp.filePath);
    const rejectsRel = path.join('rejects', `${importId}.csv`);
    await fs.mkdir(path.resolve(this.config.DATA_DIR, 'rejects'), { recursive: true });
    const rejects = new RejectsWriter(path.resolve(this.config.DATA_DIR, rejectsRel));
    await this.repo.setRejectsPath(importId, rejectsRel);
    const counters: LoadCounters = { bytesRead: 0, rowsRead: 0, rowsLoaded: 0 };
    const progress = (): ImportProgress => ({
      ...counters,
      rowsRejected: rejects.count,
      rejectsByReason: rejects.byReason,
    });
    const sampler = new RunSampler();
    const startedMs = Date.now();
    const phasesMs: Record<string, number> = {};
    const metrics = (): ImportMetrics => {
      const executionTimeMs = Date.now() - startedMs;
      return {
        executionTimeMs,
        peakRssMb: sampler.peakRssMb(),
        maxEventLoopDelayMs: sampler.maxEventLoopDelayMs(),
        rowsProcessed: counters.rowsRead,
        rowsLoaded: counters.rowsLoaded,
        rowsRejected: rejects.count,
        rejectsByReason: rejects.byReason,
        processingRateRowsPerSec: Math.round(counters.rowsRead / Math.max(executionTimeMs / 1000, 0.001)),
        phasesMs,
      };
    };
    const sql: Sql = async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[];
    const partition = partitionName(kind.table, importId);
    const guard = kind.uniqueKey ? new DuplicateGuard(path.resolve(this.config.DATA_DIR, 'rejects', `${importId}.dup`), imp.sizeBytes) : null;
    const accumulator = kind.rollup?.createImportAccumulator() ?? null;
    const copyLines: CopyLines = (target, lines, isFreeze) => copyTextLines(client, target, lines, isFreeze);
    try {
      await sql('BEGIN');
      await sql(`SET LOCAL maintenance_work_mem = '512MB'`);
      await sql(`SET LOCAL work_mem = '256MB'`);
      // JIT compiling the one-off duplicate query costs more than it saves.
      await sql(`SET LOCAL jit = off`);
      await createImportTable(sql, kind.table, imp.orgId, importId);

      let phaseStart = Date.now();
      const header = await this.readHeader(filePath);
      const mapping = this.registry.mapHeader(kind, header);
      // A buffer of a few pieces lets parsing run ahead while Postgres digests earlier ones.
      const copy = client.query(
        copyFrom(`COPY ${partition} (line_no, ${kind.copyColumns.join(', ')}) FROM STDIN WITH (FORMAT binary)`, {
          highWaterMark: 4 << 20,
        }),
      );
      const processor = this.pieceProcessor(kind, mapping, startedMs, guard);
      const spans: PieceSpan[] = [];
      try {
        await streamIntoCopy({
          filePath,
          processor,
          copy,
          rejects,
          counters,
          duplicates: guard,
          accumulator,
          spans,
          onTick: async () => {
            const isCancelRequested = await this.repo.saveProgress(importId, progress());
            await reportPercent(Math.floor((counters.bytesRead / Math.max(imp.sizeBytes, 1)) * 100));
            if (isCancelRequested) {
              throw new ImportAbort('CANCELLED', 'Cancelled by request while loading');
            }
          },
        });
        for (const part of await processor.finishRollups()) {
          accumulator?.addThread(part);
        }
      } finally {
        await processor.close();
      }
      phasesMs.copy = Date.now() - phaseStart;

      // One publisher per organization and kind at a time, so two imports cannot both admit an id.
      await sql('SELECT pg_advisory_xact_lock(hashtext($1))', [`publish:${kind.table}:${imp.orgId}`]);
      if (guard && kind.uniqueKey) {
        phaseStart = Date.now();
        const removed = removedRowsSink(kind, accumulator);
        const reason = kind.duplicateReason ?? 'DUPLICATE_ID';
        const key = kind.uniqueKey.map((column) => ({ column, sqlType: kind.copyTypes[kind.copyColumns.indexOf(column)] }));
        counters.rowsLoaded -= await guard.removeRepeats(client, partition, key, { path: filePath, spans }, rejects, reason, removed);
        counters.rowsLoaded -= await this.rejectKnownKeys(sql, kind, kind.uniqueKey, reason, partition, imp.orgId, filePath, rejects, removed);
        phasesMs.dedupe = Date.now() - phaseStart;
      }
      const expectedRepeats = kind.isRepeatExpected ? (rejects.byReason[kind.duplicateReason ?? 'DUPLICATE_ID'] ?? 0) : 0;
      this.assertRejectRatio(counters.rowsRead - expectedRepeats, rejects.count - expectedRepeats, imp.rejectThreshold);

      phaseStart = Date.now();
      // The CHECK constraint lets ATTACH skip scanning the rows; the parent has no index to build.
      await attachImportTable(sql, kind.table, importId);
      phasesMs.attach = Date.now() - phaseStart;
      phaseStart = Date.now();
      await kind.publish?.({ sql, copyLines, accumulator }, { orgId: imp.orgId, importId, partition });
      phasesMs.publishHook = Date.now() - phaseStart;

      const done = metrics();
      const marked = await sql(
        // clock_timestamp(): now() would be the start of this long transaction.
        `UPDATE imports SET status = 'COMPLETED', finished_at = clock_timestamp(), updated_at = clock_timestamp(), bytes_read = $2,
           rows_read = $3, rows_loaded = $4, rows_rejected = $5, rejects_by_reason = $6, metrics = $7
         WHERE id = $1 AND status = 'PROCESSING' AND cancel_requested_at IS NULL RETURNING id`,
        [importId, counters.bytesRead, counters.rowsRead, counters.rowsLoaded, rejects.count,
          JSON.stringify(rejects.byReason), JSON.stringify(done)],
      );
      if (marked.length === 0) {
        throw new ImportAbort('CANCELLED', 'The import was cancelled or removed before it could publish');
      }
      await sql('UPDATE organizations SET data_version = data_version + 1 WHERE id = $1', [imp.orgId]);
      await sql('COMMIT');
      await rejects.close();
      await fs.rm(filePath, { force: true });
      await this.indexPartition(client, kind, partition, importId);
      await this.vacuumPartition(client, partition, importId);
      this.logger.log({ importId, ...done }, `Import ${importId} COMPLETED`);
      return { importId, status: 'COMPLETED', rowsLoaded: counters.rowsLoaded, rowsRejected: rejects.count };
    } catch (err) {
      await sql('ROLLBACK').catch(() => undefined);
      await rejects.close().catch(() => undefined);
      if (err instanceof ImportAbort || isLastAttempt) {
        const outcome = err instanceof ImportAbort ? err.outcome : 'FAILED';
        const message = err instanceof Error ? err.message : String(err);
        counters.rowsLoaded = 0;
        await this.repo.finishUnloaded(importId, outcome, message, progress(), metrics());
        await fs.rm(filePath, { force: true });
        this.logger.warn(`Import ${importId} ${outcome}: ${message}`);
        return { importId, status: outcome, rowsRejected: rejects.count };
      }
      this.logger.error({ err, importId }, `Import ${importId} attempt failed; it will be retried`);
      throw err;
    } finally {
      sampler.stop();
      await guard?.dispose();
    }
  }

  /** Worker threads when the compiled worker script is there (always, once built), else this thread. */
  private pieceProcessor(kind: DatasetKind, mapping: HeaderMapping, startedMs: number, guard: DuplicateGuard | null): PieceProcessor {
    const keyIndexes = (kind.uniqueKey ?? []).map((column) => kind.copyColumns.indexOf(column));
    const script = WorkerPoolProcessor.scriptPath();
    if (script && this.config.LOAD_THREADS > 1) {
      const data: LoadWorkerData = {
        kindsModule: KindRegistry.compiledModulePath(), kind: kind.name, nowMs: startedMs, indexes: mapping.indexes, headerWidth: mapping.headerWidth, keyIndexes,
        bloomWordMask: guard?.bloom.wordMask ?? 0,
      };
      return new WorkerPoolProcessor(script, data, this.config.LOAD_THREADS);
    }
    return new InlineProcessor(
      new RowPipeline({
        cleaner: kind.createCleaner({ now: new Date(startedMs) }), copyTypes: kind.copyTypes, indexes: mapping.indexes,
        headerWidth: mapping.headerWidth, keyIndexes, bloomWordMask: guard?.bloom.wordMask ?? 0,
        aggregator: kind.rollup?.createRowAggregator() ?? null,
      }),
    );
  }

  private async readHeader(filePath: string): Promise<string[]> {
    const handle = await fs.open(filePath, 'r');
    try {
      const buf = Buffer.alloc(64 * 1024);
      const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
      let header: string[] | null = null;
      const parser = new CsvParser();
      const take = (fields: string[]) => {
        header ??= fields;
      };
      parser.push(buf.subarray(0, bytesRead), take);
      parser.end(take);
      return header ?? [];
    } finally {
      await handle.close();
    }
  }

  /** Rejects rows whose key the organization already has from earlier imports. */
  private async rejectKnownKeys(
    sql: Sql, kind: DatasetKind, key: string[], reason: string, partition: string, orgId: string, filePath: string, rejects: RejectsWriter,
    removed: RemovedRowsSink | null,
  ): Promise<number> {
    const hasEarlier = await sql(`SELECT 1 FROM ${kind.table} WHERE org_id = $1 LIMIT 1`, [orgId]);
    if (hasEarlier.length === 0) {
      return 0;
    }
    const known = await sql<{ line_no: number; v?: string[] }>(
      `DELETE FROM ${partition} p
       WHERE EXISTS (SELECT 1 FROM ${kind.table} t WHERE t.org_id = $1 AND ${key.map((c) => `t.${c} = p.${c}`).join(' AND ')})
       RETURNING p.line_no${removed ? `, ARRAY[${removed.select}] AS v` : ''}`,
      [orgId],
    );
    removed?.subtract(known.map((r) => r.v!));
    if (known.length > 0) {
      await writeRejectedLines(filePath, new Set(known.map((r) => r.line_no)), reason, rejects);
    }
    return known.length;
  }

  /**
   * Indexes a published partition after the commit: its unique key (later imports' duplicate
   * checks) and the kind's query indexes. The rows are already visible and exact without them;
   * they only make those lookups fast.
   */
  private async indexPartition(client: Client, kind: DatasetKind, partition: string, importId: string): Promise<void> {
    const indexes = [...(kind.uniqueKey ? [{ suffix: 'key', columns: `(${kind.uniqueKey.join(', ')})`, table: kind.table }] : []), ...(kind.indexes ?? [])];
    await client.query(`SET maintenance_work_mem = '512MB'`);
    for (const { suffix, columns, table } of indexes) {
      const started = Date.now();
      const target = table && table !== kind.table ? partitionName(table, importId) : partition;
      try {
        await client.query(`CREATE INDEX IF NOT EXISTS ${target}_${suffix}_idx ON ${target} ${columns}`);
        this.logger.log(`Import ${importId}: indexed ${columns} in ${Date.now() - started} ms`);
      } catch (err) {
        this.logger.warn({ err }, `Import ${importId}: indexing ${partition} ${columns} failed; queries will scan it`);
      }
    }
  }

  /** Sets the visibility map and statistics, so index-only scans skip the heap and plans fit. */
  private async vacuumPartition(client: Client, partition: string, importId: string): Promise<void> {
    const started = Date.now();
    try {
      await client.query(`VACUUM (ANALYZE) ${partition}`);
      this.logger.log(`Import ${importId}: vacuumed in ${Date.now() - started} ms`);
    } catch (err) {
      this.logger.warn({ err }, `Import ${importId}: vacuum of ${partition} failed; autovacuum will do it`);
    }
  }

  private assertRejectRatio(rowsRead: number, rowsRejected: number, threshold: number): void {
    if (rowsRead > 0 && rowsRejected / rowsRead > threshold) {
      const pct = ((rowsRejected / rowsRead) * 100).toFixed(1);
      throw new ImportAbort(
        'FAILED',
        `${rowsRejected} of ${rowsRead} rows (${pct} %) were rejected, above the threshold of ${threshold * 100} %; nothing was loaded`,
      );
    }
  }

}

function removedRowsSink(kind: DatasetKind, accumulator: ImportAccumulator | null): RemovedRowsSink | null {
  if (!kind.rollup || !accumulator) {
    return null;
  }
  return { select: kind.rollup.storedValuesSql, subtract: (rows) => rows.forEach((values) => accumulator.subtract(values)) };
}

/** COPY … FROM STDIN (text format) of ready-made lines, in the client's transaction. */
async function copyTextLines(client: Client, target: string, lines: Iterable<string>, isFreeze = false): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${target} FROM STDIN${isFreeze ? ' WITH (FREEZE)' : ''}`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  let count = 0;
  let batch = '';
  for (const line of lines) {
    batch += line;
    count++;
    if (batch.length >= 1 << 20) {
      const isFlowing = stream.write(batch);
      batch = '';
      // Yield every batch even when the stream takes more: building millions of lines in one go
      // stalled the event loop for seconds (HTTP, Bull's lock renewal).
      await (isFlowing ? new Promise((resolve) => setImmediate(resolve)) : once(stream, 'drain'));
    }
  }
  stream.end(batch);
  await done;
  return count;
}
