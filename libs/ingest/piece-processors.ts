import { existsSync } from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { FromWorker, LoadWorkerData, ToWorker } from './load-worker';
import { Candidate, PieceInput, PieceOutput, RowPipeline } from './row-pipeline';

export type PieceJob = Omit<PieceInput, 'seq'>;

/** `spent`: the piece's buffer, free to be read into again (the pipeline keeps nothing of it). */
export type PieceResult = PieceOutput & { seq: number; spent: ArrayBuffer };

/**
 * Heap caps of a load thread. Left alone, each thread's old generation grew lazily and the
 * process peaked near 400 MB at 10M rows; capped, what a thread holds is its pieces in flight and
 * its folds, which have a byte budget of their own. The young generation trades GC time for
 * memory: 4 MB cost the threads ~25 % of their time in scavenges; 8 MB loads 10M rows as fast as
 * 16 MB (within the noise) for ~25 MB less RSS. A piece is ~512 KiB plus at most one record of
 * MAX_RECORD_BYTES.
 */
export interface LoadThreadHeap {
  maxYoungGenerationSizeMb: number;
  maxOldGenerationSizeMb: number;
}

/** Turns file pieces into COPY bytes, on this thread or on worker threads. */
export interface PieceProcessor {
  readonly parallelism: number;
  process(job: PieceJob): Promise<PieceResult>;
  /** The key, line and raw text of rows (by position among the piece's loaded rows). */
  candidates(seq: number, positions: number[]): Promise<Candidate[]>;
  drop(seq: number): void;
  /** Hands a piece's COPY buffer back to be filled again, once the COPY no longer holds it. */
  recycle(seq: number, buffer: ArrayBuffer): void;
  /** Each thread's whole-run rollup part (empty when the kind has no rollup); after the last piece. */
  finishRollups(): Promise<unknown[]>;
  close(): Promise<void>;
}

/** Same-thread processing (LOAD_THREADS=1, or when the compiled worker script is absent). */
export class InlineProcessor implements PieceProcessor {
  readonly parallelism = 1;
  private seq = 0;

  constructor(private readonly pipeline: RowPipeline) {}

  process(job: PieceJob): Promise<PieceResult> {
    const seq = this.seq++;
    return Promise.resolve({ seq, spent: job.piece.buffer as ArrayBuffer, ...this.pipeline.processPiece({ seq, ...job }) });
  }

  recycle(_seq: number, buffer: ArrayBuffer): void {
    this.pipeline.recycle(buffer);
  }

  candidates(seq: number, positions: number[]): Promise<Candidate[]> {
    return Promise.resolve(this.pipeline.takeCandidates(seq, positions));
  }

  drop(seq: number): void {
    this.pipeline.drop(seq);
  }

  finishRollups(): Promise<unknown[]> {
    return Promise.resolve(Array.from(this.pipeline.finishRollup(), (rollup) => rollup.part));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

type Waiter<T> = { resolve: (r: T) => void; reject: (e: Error) => void };

/**
 * Pieces go round-robin to worker threads (parse + clean + encode are CPU-bound and independent
 * per piece); Postgres's COPY backend runs on its own core meanwhile.
 */
export class WorkerPoolProcessor implements PieceProcessor {
  private readonly workers: Worker[];
  private readonly pieces = new Map<number, Waiter<PieceResult>>();
  private readonly lookups = new Map<number, Waiter<Candidate[]>>();
  /** The thread answering 'finish': its parts so far, and who waits for all of them. */
  private finishing: (Waiter<unknown[]> & { parts: unknown[] }) | null = null;
  private seq = 0;
  private failure: Error | null = null;
  /** Threads ended on purpose (their exit is not a failure). */
  private readonly retired = new Set<Worker>();

  constructor(
    script: string,
    data: LoadWorkerData,
    readonly parallelism: number,
    heap: LoadThreadHeap,
  ) {
    this.workers = Array.from({ length: parallelism }, () => {
      const worker = new Worker(script, { workerData: data, resourceLimits: heap });
      worker.on('message', (msg: FromWorker) => this.receive(msg));
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => code !== 0 && !this.retired.has(worker) && this.fail(new Error(`load worker exited with code ${code}`)));
      return worker;
    });
  }

  /** The compiled worker script next to this module (under jest, the one `nest build` put in dist/). */
  static scriptPath(): string | null {
    const script = __filename.endsWith('.ts') ? path.resolve(__dirname, '../../dist/libs/ingest/load-worker.js') : path.join(__dirname, 'load-worker.js');
    return existsSync(script) ? script : null;
  }

  process(job: PieceJob): Promise<PieceResult> {
    const seq = this.seq++;
    const msg: ToWorker = { type: 'piece', seq, ...job };
    return this.ask(this.pieces, seq, msg, [job.piece.buffer as ArrayBuffer]);
  }

  candidates(seq: number, positions: number[]): Promise<Candidate[]> {
    return this.ask(this.lookups, seq, { type: 'candidates', seq, positions }, []);
  }

  drop(seq: number): void {
    this.workerFor(seq).postMessage({ type: 'drop', seq } satisfies ToWorker);
  }

  recycle(seq: number, buffer: ArrayBuffer): void {
    if (!this.failure) {
      this.workerFor(seq).postMessage({ type: 'recycle', buffer } satisfies ToWorker, [buffer]);
    }
  }

  /**
   * Each thread's parts, one thread at a time, each thread ended once it has answered (it answers
   * after every piece sent to it before: messages are handled in order). So at the end of an import
   * one thread's folds and one part in transit exist beside the parts received, not every thread's
   * folds and every part at once (sales folds are JS objects: ~60 MB less peak RSS at 10M rows);
   * a thread may send its folds in several parts, so what is in transit is one of those.
   */
  async finishRollups(): Promise<unknown[]> {
    const parts: unknown[] = [];
    for (const worker of this.workers) {
      if (this.failure) {
        throw this.failure;
      }
      parts.push(
        ...(await new Promise<unknown[]>((resolve, reject) => {
          this.finishing = { resolve, reject, parts: [] };
          worker.postMessage({ type: 'finish' } satisfies ToWorker);
        })),
      );
      this.finishing = null;
      this.retired.add(worker);
      await worker.terminate();
    }
    return parts;
  }

  async close(): Promise<void> {
    this.workers.forEach((w) => this.retired.add(w));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private ask<T>(waiting: Map<number, Waiter<T>>, seq: number, msg: ToWorker, transfer: ArrayBuffer[]): Promise<T> {
    if (this.failure) {
      return Promise.reject(this.failure);
    }
    return new Promise<T>((resolve, reject) => {
      waiting.set(seq, { resolve, reject });
      this.workerFor(seq).postMessage(msg, transfer);
    });
  }

  /** A piece's stash lives on the thread that processed it. */
  private workerFor(seq: number): Worker {
    return this.workers[seq % this.workers.length];
  }

  private receive(msg: FromWorker): void {
    if (msg.type === 'piece') {
      const { type: _type, ...result } = msg;
      this.pieces.get(msg.seq)?.resolve({ ...result, copy: result.copy && Buffer.from(result.copy.buffer, result.copy.byteOffset, result.copy.byteLength) });
      this.pieces.delete(msg.seq);
    } else if (msg.type === 'candidates') {
      this.lookups.get(msg.seq)?.resolve(msg.candidates);
      this.lookups.delete(msg.seq);
    } else if (msg.type === 'rollup') {
      this.finishing?.parts.push(msg.part);
    } else {
      this.finishing?.resolve(this.finishing.parts);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiting of [this.pieces, this.lookups] as Array<Map<number, Waiter<unknown>>>) {
      for (const waiter of waiting.values()) {
        waiter.reject(err);
      }
      waiting.clear();
    }
    this.finishing?.reject(err);
    this.finishing = null;
  }
}
