import { once } from 'events';
import { promises as fs } from 'fs';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Writable } from 'stream';
import { CsvParser } from '@libs/csv';
import { createRemovedRows, DuplicateGuard, KeyColumns, removeKnownKeys } from './duplicate-guard';
import { mapHeader } from './header-mapping';
import type { ImportBudget } from './import-budget';
import { ImportFailure } from './import-failure';
import type { InputFormat } from './input-format';
import type { CopyLines, DatasetKind, Sql } from './kind.types';
import { LoadCounters, streamIntoCopy } from './load-pipeline';
import { indexBeforePublish } from './post-commit';
import type { LoadWorkerData } from './load-worker';
import { attachImportTable, createImportTable, partitionName, publishLockKey } from './partitions';
import { InlineProcessor, LoadThreadHeap, PieceProcessor, WorkerPoolProcessor } from './piece-processors';
import type { PieceSpan } from './rejected-lines';
import { RejectsWriter } from './rejects-writer';
import { takeBackRemovedRows } from './removed-rows';
import { createRowPipeline, PipelineSettings } from './row-pipeline';

export interface ImportLoadRequest {
  /** The import's own connection (no transaction open); the load runs in one transaction on it. */
  client: Client;
  kind: DatasetKind;
  /** Compiled module exporting KINDS, for the load threads. */
  kindsModule: string;
  orgId: string;
  importId: string;
  file: { path: string; sizeBytes: number; format: InputFormat };
  rejects: RejectsWriter;
  /** Path prefix for the import's temporary files (duplicate candidates, spills); all are removed. */
  scratchPath: string;
  threads: number;
  threadHeap: LoadThreadHeap;
  budget: ImportBudget;
  maxRecordBytes: number;
  rejectThreshold: number;
  startedMs: number;
  /** Live counts (the caller reports them as progress). */
  counters: LoadCounters;
  /** Filled with each phase's duration. */
  phasesMs: Record<string, number>;
  /** Filled, before markPublished, with how the kind's folds coped (missing rollups, spills). */
  folds: Record<string, unknown>;
  /** Awaited about once a second while rows load; may throw to stop the import. */
  onTick(): Promise<void>;
  /** The organization's published imports of the kind (read under the publish lock). */
  earlierImports(sql: Sql): Promise<string[]>;
  /**
   * Last step of the publish transaction: the caller's own records (the import COMPLETED, the
   * data version, the rollups its kind did not build).
   */
  markPublished(sql: Sql, published: { missingRollups: string[] }): Promise<void>;
}

/**
 * One import, start to publish, in ONE Postgres transaction on the import's connection: create
 * the import's own table, COPY the cleaned rows into it, move out rows whose key repeats (within
 * the file or from earlier imports), check the reject ratio, attach the table as a partition, run
 * the kind's publish hook, let the caller mark the import, commit. A crash anywhere before the
 * commit leaves nothing behind; a rerun starts over. Deterministic failures are ImportFailure.
 */
export async function loadAndPublish(r: ImportLoadRequest): Promise<void> {
  const { client, kind, counters, rejects, phasesMs } = r;
  const sql: Sql = async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[];
  const partition = partitionName(kind.table, r.importId);
  const guard = kind.uniqueKey ? new DuplicateGuard(`${r.scratchPath}.keys`, r.file.sizeBytes, r.budget.bloomBytes, partitionName('dup_candidates', r.importId)) : null;
  // The importing thread's heap has no cap of its own: its JS-object folds get the same bound as a thread's.
  const heapBytes = r.threadHeap.maxOldGenerationSizeMb * 1048576;
  const accumulator = kind.rollup?.createImportAccumulator({ bytes: r.budget.mainFoldBytes, heapBytes, spillPath: `${r.scratchPath}.acc` }) ?? null;
  try {
    await sql('BEGIN');
    await sql(`SET LOCAL maintenance_work_mem = '512MB'`);
    await sql(`SET LOCAL work_mem = '256MB'`);
    // JIT compiling the one-off duplicate and fallback queries costs more than it saves.
    await sql(`SET LOCAL jit = off`);
    await createImportTable(sql, kind.table, r.orgId, r.importId);

    let phaseStart = Date.now();
    const spans: PieceSpan[] = [];
    let threadParts: unknown[] = [];
    const processor = await pieceProcessor(r, guard);
    try {
      // A buffer of a few pieces lets parsing run ahead while Postgres digests earlier ones.
      const copy = client.query(copyFrom(`COPY ${partition} (line_no, ${kind.copyColumns.join(', ')}) FROM STDIN WITH (FORMAT binary, FREEZE)`, { highWaterMark: 2 << 20 }));
      await streamIntoCopy({
        filePath: r.file.path,
        format: r.file.format,
        processor,
        copy,
        rejects,
        counters,
        duplicates: guard,
        accumulator,
        spans,
        maxRecordBytes: r.maxRecordBytes,
        onTick: () => r.onTick(),
        // pg writes COPY data straight to the socket (pg-copy-streams): once the socket holds no bytes, Postgres has every buffer.
        isSent: () => (client as unknown as { connection: { stream: Writable } }).connection.stream.writableLength === 0,
      });
      threadParts = await processor.finishRollups();
    } finally {
      await processor.close();
    }
    // Merged once the threads are gone: their folds are freed before the merge allocates its own.
    for (const part of threadParts) {
      accumulator?.addThread(part);
    }
    phasesMs.copy = Date.now() - phaseStart;

    // One publisher per organization and kind at a time, so two imports cannot both admit a key.
    await sql('SELECT pg_advisory_xact_lock(hashtext($1))', [publishLockKey(kind.table, r.orgId)]);
    const reason = kind.duplicateReason ?? 'DUPLICATE_ID';
    if (guard && kind.uniqueKey) {
      phaseStart = Date.now();
      const key: KeyColumns = kind.uniqueKey.map((column) => ({ column, sqlType: kind.copyTypes[kind.copyColumns.indexOf(column)] }));
      const timed = stepTimer(phasesMs, 'dedupe');
      await createRemovedRows(client, partition);
      let removed = await timed('withinFile', () => guard.removeRepeats(client, partition, key));
      if (!kind.isLaterImportWinning) {
        removed += await timed('known', async () => removeKnownKeys(client, kind.table, partition, key, await r.earlierImports(sql)));
      }
      if (removed > 0) {
        // Most rows gone (a file sent again): summing what is left in SQL beats taking each back.
        const isMostlyRemoved = removed * 2 > counters.rowsLoaded;
        if (isMostlyRemoved) {
          accumulator?.giveUp();
        }
        await timed('rejects', () =>
          takeBackRemovedRows(client, {
            file: { path: r.file.path, format: r.file.format, spans },
            reason,
            rejects,
            accumulator: isMostlyRemoved ? null : accumulator,
            storedValuesSql: kind.rollup?.storedValuesSql ?? null,
            candidatesTable: guard.candidatesTable,
          }),
        );
        counters.rowsLoaded -= removed;
      }
      await sql(`DROP TABLE ${guard.candidatesTable}`);
      phasesMs.dedupe = Date.now() - phaseStart;
    }
    // Expected repeats are not rejects here, but they are rows of the file: a re-sent file with a
    // few faulty rows is those few out of all its rows, not all of what was new in it.
    const expectedRepeats = kind.isRepeatExpected ? (rejects.byReason[reason] ?? 0) : 0;
    assertRejectRatio(counters.rowsRead, rejects.count - expectedRepeats, r.rejectThreshold);

    phaseStart = Date.now();
    await indexBeforePublish(sql, kind, r.importId);
    phasesMs.index = Date.now() - phaseStart;

    phaseStart = Date.now();
    // The CHECK constraint lets ATTACH skip scanning the rows; the parent has no index to build.
    await attachImportTable(sql, kind.table, r.importId);
    const step = stepTimer(phasesMs, 'publish');
    const copyLines: CopyLines = (target, lines, isFreeze) => copyTextLines(client, target, lines, isFreeze);
    await kind.publish?.({ sql, copyLines, accumulator, step }, { orgId: r.orgId, importId: r.importId, partition });
    phasesMs.publish = Date.now() - phaseStart;
    Object.assign(r.folds, accumulator?.describe() ?? {});
    await r.markPublished(sql, { missingRollups: accumulator?.missingRollups() ?? [] });
    await sql('COMMIT');
  } catch (err) {
    await sql('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await guard?.dispose();
    accumulator?.dispose?.();
  }
}

/** Worker threads when the compiled worker script is there (always, once built), else this thread. */
async function pieceProcessor(r: ImportLoadRequest, guard: DuplicateGuard | null): Promise<PieceProcessor> {
  const { kind } = r;
  const { indexes, headerWidth } =
    r.file.format === 'csv' ? mapHeader(kind.columns, await readCsvHeader(r.file.path)) : { indexes: kind.columns.map((_c, i) => i), headerWidth: kind.columns.length };
  const settings: PipelineSettings = {
    format: r.file.format,
    nowMs: r.startedMs,
    indexes,
    headerWidth,
    keyIndexes: (kind.uniqueKey ?? []).map((column) => kind.copyColumns.indexOf(column)),
    bloomWordMask: guard?.bloom.wordMask ?? 0,
    foldBytes: r.budget.threadFoldBytes,
    heapBytes: r.threadHeap.maxOldGenerationSizeMb * 1048576,
  };
  const script = WorkerPoolProcessor.scriptPath();
  if (script && r.threads > 1) {
    const data: LoadWorkerData = { ...settings, kindsModule: r.kindsModule, kind: kind.name };
    return new WorkerPoolProcessor(script, data, r.threads, r.threadHeap);
  }
  return new InlineProcessor(createRowPipeline(kind, settings));
}

async function readCsvHeader(filePath: string): Promise<string[]> {
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

function assertRejectRatio(rowsRead: number, rowsRejected: number, threshold: number): void {
  if (rowsRead > 0 && rowsRejected / rowsRead > threshold) {
    const pct = ((rowsRejected / rowsRead) * 100).toFixed(1);
    throw new ImportFailure(
      'REJECT_THRESHOLD_EXCEEDED',
      `${rowsRejected} of ${rowsRead} rows (${pct} %) were rejected, above the threshold of ${threshold * 100} %; nothing was loaded`,
      { rowsRead, rowsRejected, threshold },
    );
  }
}

/**
 * COPY … FROM STDIN (text format) of ready-made lines, or chunks of whole lines as bytes, in the
 * client's transaction. Returns how many strings and chunks it wrote.
 */
export async function copyTextLines(client: Client, target: string, lines: Iterable<string | Buffer> | AsyncIterable<string | Buffer>, isFreeze = false): Promise<number> {
  const stream = client.query(copyFrom(`COPY ${target} FROM STDIN${isFreeze ? ' WITH (FREEZE)' : ''}`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  let count = 0;
  let batch = '';
  const write = async (data: string | Buffer): Promise<void> => {
    const isFlowing = stream.write(data);
    // Yield every batch even when the stream takes more: building millions of lines in one go
    // stalled the event loop for seconds (HTTP, Bull's lock renewal).
    await (isFlowing ? new Promise((resolve) => setImmediate(resolve)) : once(stream, 'drain'));
  };
  const take = async (line: string | Buffer): Promise<void> => {
    count++;
    if (typeof line !== 'string') {
      if (batch) {
        await write(batch);
        batch = '';
      }
      await write(line);
      return;
    }
    batch += line;
    if (batch.length >= 1 << 20) {
      await write(batch);
      batch = '';
    }
  };
  // A plain loop over a synchronous source: `for await` would cost a promise per line.
  if (Symbol.iterator in lines) {
    for (const line of lines) {
      if (typeof line === 'string' && batch.length + line.length < 1 << 20) {
        batch += line;
        count++;
      } else {
        await take(line);
      }
    }
  } else {
    for await (const line of lines) {
      await take(line);
    }
  }
  stream.end(batch);
  await done;
  return count;
}

/** Runs steps of `phase`, adding each one's time to phasesMs[`<phase>.<name>`]. */
function stepTimer(phasesMs: Record<string, number>, phase: string) {
  return async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    try {
      return await work();
    } finally {
      phasesMs[`${phase}.${name}`] = (phasesMs[`${phase}.${name}`] ?? 0) + Date.now() - started;
    }
  };
}
