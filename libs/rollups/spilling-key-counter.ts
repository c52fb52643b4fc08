import { closeSync, openSync, readSync, rmSync, writeSync } from 'fs';
import { CellTable, hashKey } from './cell-table';
import { KeyCountMap } from './key-count-map';

/** Partition files of a spilled counter: each holds about 1/PARTITIONS of the distinct keys. */
const PARTITIONS = 16;
/** [key, delta] pairs buffered per partition before a write. */
const BUFFER_PAIRS = 4096;

/**
 * Counts per non-zero integer key (|key| < 2^53) in bounded memory whatever the number of distinct
 * keys: up to `maxKeys` in memory (a KeyCountMap); when that fills, every [key, count] is appended
 * to one of PARTITIONS files by hash of the key and the map starts over (a hybrid hash
 * aggregation). entries() then counts each partition file on its own, so at most about
 * (distinct keys / PARTITIONS) keys are in memory at once; with nothing spilled it reads the map.
 * Deltas may be negative (rows taken back after loading); keys whose total is 0 are skipped.
 */
export class SpillingKeyCounter {
  private map: KeyCountMap;
  private negative: KeyCountMap | null = null;
  private files: number[] | null = null;
  private readonly buffers = Array.from({ length: PARTITIONS }, () => new Float64Array(BUFFER_PAIRS * 2));
  private readonly filled = new Array<number>(PARTITIONS).fill(0);
  private isDone = false;
  /** Times the in-memory map was written out. */
  spills = 0;

  constructor(
    private readonly maxKeys: number,
    private readonly spillPath: string,
  ) {
    this.map = new KeyCountMap(Math.min(1 << 16, maxKeys));
  }

  get hasSpilled(): boolean {
    return this.files !== null;
  }

  add(key: number, delta = 1): void {
    if (delta < 0) {
      // Taken back: counted apart (the key may sit in a partition file already) and netted at the end.
      this.negative ??= new KeyCountMap(1 << 10);
      this.negative.add(key, -delta);
      if (this.negative.size >= this.maxKeys) {
        this.spill(this.negative, -1);
        this.negative = new KeyCountMap(1 << 10);
      }
      return;
    }
    if (this.map.size >= this.maxKeys && this.map.get(key) === 0) {
      this.spill(this.map, 1);
      this.map = new KeyCountMap(Math.min(1 << 16, this.maxKeys));
    }
    this.map.add(key, delta);
  }

  /**
   * Every [key, count] with a count above 0, each key once (partition by partition when spilled).
   * Call once; the partition files are removed as they are read.
   */
  *entries(): Generator<[number, number]> {
    if (this.isDone) {
      throw new Error('SpillingKeyCounter.entries() was already called');
    }
    this.isDone = true;
    if (!this.files) {
      for (const [key, count] of this.map.entries()) {
        const net = count - (this.negative?.get(key) ?? 0);
        if (net > 0) {
          yield [key, net];
        }
      }
      return;
    }
    this.spill(this.map, 1);
    if (this.negative) {
      this.spill(this.negative, -1);
    }
    this.flushAll();
    // One table for every partition: they hold about the same number of keys.
    const counts = new CellTable(1, 1 << 12);
    for (let p = 0; p < PARTITIONS; p++) {
      closeSync(this.files[p]);
      this.files[p] = -1; // closed: dispose() must not close it again
      yield* this.countPartition(p, counts);
      counts.clear();
    }
    this.files = null;
  }

  /** Removes the partition files (after entries(), or when the import stops early). */
  dispose(): void {
    if (this.files) {
      this.files.filter((fd) => fd >= 0).forEach((fd) => closeSync(fd));
      this.files = null;
    }
    for (let p = 0; p < PARTITIONS; p++) {
      rmSync(this.partitionPath(p), { force: true });
    }
  }

  private *countPartition(p: number, counts: CellTable): Generator<[number, number]> {
    const file = this.partitionPath(p);
    // Typed arrays (16 bytes a key), not a Map: a partition holds 1/16 of possibly tens of millions of keys.
    const fd = openSync(file, 'r');
    try {
      const chunk = new Float64Array(BUFFER_PAIRS * 2);
      const bytes = new Uint8Array(chunk.buffer);
      for (let n = readSync(fd, bytes); n > 0; n = readSync(fd, bytes)) {
        for (let i = 0; i < n / 8; i += 2) {
          const at = counts.slot(chunk[i]);
          counts.data[at] += chunk[i + 1];
        }
      }
    } finally {
      closeSync(fd);
      rmSync(file, { force: true });
    }
    const data = counts.data;
    for (const at of counts.offsets()) {
      if (data[at + 1] > 0) {
        yield [data[at], data[at + 1]];
      }
    }
  }

  private spill(map: KeyCountMap, sign: number): void {
    if (!this.files) {
      this.files = Array.from({ length: PARTITIONS }, (_, p) => openSync(this.partitionPath(p), 'w'));
    }
    this.spills++;
    for (const [key, count] of map.entries()) {
      const p = (hashKey(key) >>> 0) % PARTITIONS;
      const buffer = this.buffers[p];
      buffer[this.filled[p]++] = key;
      buffer[this.filled[p]++] = sign * count;
      if (this.filled[p] === buffer.length) {
        this.flush(p);
      }
    }
  }

  private flushAll(): void {
    for (let p = 0; p < PARTITIONS; p++) {
      this.flush(p);
    }
  }

  private flush(p: number): void {
    if (this.filled[p] > 0) {
      writeSync(this.files![p], new Uint8Array(this.buffers[p].buffer, 0, this.filled[p] * 8));
      this.filled[p] = 0;
    }
  }

  private partitionPath(p: number): string {
    return `${this.spillPath}.${p}.spill`;
  }
}
