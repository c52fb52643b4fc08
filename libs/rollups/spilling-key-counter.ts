import { closeSync, openSync, readSync, rmSync, writeSync } from 'fs';
import { CellTable, hashKey } from './cell-table';
import { KeyCountMap } from './key-count-map';

/** Partition files of a spilled counter: each holds about 1/PARTITIONS of the distinct keys. */
const PARTITIONS = 16;
/** Bits of the key's hash that choose its partition at each level (16 partitions: 4 bits). */
const BITS_PER_LEVEL = 4;
/** Levels of partitioning the 32-bit hash allows; the last level counts whatever it holds. */
const MAX_LEVEL = 32 / BITS_PER_LEVEL - 1;
/** [key, delta] pairs buffered per partition before a write. */
const BUFFER_PAIRS = 4096;

/**
 * Counts per non-zero integer key (|key| < 2^53) in bounded memory whatever the number of distinct
 * keys: up to `maxKeys` in memory (a KeyCountMap); when that fills, every [key, count] is appended
 * to one of PARTITIONS files by hash of the key and the map starts over (a hybrid hash
 * aggregation). entries() then counts each partition file on its own; a partition holding more
 * than `maxKeys` distinct keys is split again by the next bits of the hash, and so on, so at most
 * `maxKeys` keys are in memory at once whatever their number. With nothing spilled it reads the
 * map. Deltas may be negative (rows taken back after loading); keys whose total is 0 are skipped.
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
  /** Partition files split again because they held more than maxKeys keys. */
  splits = 0;
  /** The most keys counted in memory at once while reading the partitions. */
  peakCountedKeys = 0;
  /** Partition files written and not yet removed (dispose removes them). */
  private readonly paths = new Set<string>();

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
    // Freed before the partitions are counted: the count table takes their place.
    this.map = new KeyCountMap(16);
    this.negative = null;
    const files = this.files;
    this.files = null;
    files.forEach((fd) => closeSync(fd));
    // One table for every partition: they hold about the same number of keys.
    const counts = new CellTable(1, 1 << 12);
    for (let p = 0; p < PARTITIONS; p++) {
      yield* this.countFile(this.partitionPath(p), 0, counts);
    }
  }

  /** Removes the partition files and frees the counts (after entries(), or when the counts are not wanted). */
  dispose(): void {
    this.map = new KeyCountMap(16);
    this.negative = null;
    if (this.files) {
      this.files.forEach((fd) => closeSync(fd));
      this.files = null;
    }
    for (const file of this.paths) {
      rmSync(file, { force: true });
    }
    this.paths.clear();
  }

  /**
   * Counts the [key, delta] pairs of `file` (a partition at `level`) in `counts` and yields the
   * totals, then empties `counts`; the file is removed once read. When the file holds more than
   * maxKeys distinct keys, it is split by the next level's bits of the hash and each part counted.
   */
  private *countFile(file: string, level: number, counts: CellTable): Generator<[number, number]> {
    const isSplittable = level < MAX_LEVEL;
    const isWhole = readPairs(file, (key, delta) => {
      if (isSplittable && counts.size >= this.maxKeys && !counts.has(key)) {
        return false;
      }
      const at = counts.slot(key);
      counts.data[at] += delta;
      return true;
    });
    this.peakCountedKeys = Math.max(this.peakCountedKeys, counts.size);
    if (!isWhole) {
      counts.clear();
      this.splits++;
      const parts = this.split(file, level + 1);
      for (const part of parts) {
        yield* this.countFile(part, level + 1, counts);
      }
      return;
    }
    this.remove(file);
    const data = counts.data;
    for (const at of counts.offsets()) {
      if (data[at + 1] > 0) {
        yield [data[at], data[at + 1]];
      }
    }
    counts.clear();
  }

  /** Writes the pairs of `file` into PARTITIONS files by the hash bits of `level`, removes it, answers the parts. */
  private split(file: string, level: number): string[] {
    const parts = Array.from({ length: PARTITIONS }, (_, q) => `${file}.${q}`);
    const fds = parts.map((part) => this.create(part));
    try {
      readPairs(file, (key, delta) => {
        this.buffer(fds, partitionOf(key, level), key, delta);
        return true;
      });
      this.flushAll(fds);
    } finally {
      fds.forEach((fd) => closeSync(fd));
    }
    this.remove(file);
    return parts;
  }

  private spill(map: KeyCountMap, sign: number): void {
    this.files ??= Array.from({ length: PARTITIONS }, (_, p) => this.create(this.partitionPath(p)));
    this.spills++;
    for (const [key, count] of map.entries()) {
      this.buffer(this.files, partitionOf(key, 0), key, sign * count);
    }
  }

  private buffer(fds: number[], p: number, key: number, delta: number): void {
    const buffer = this.buffers[p];
    buffer[this.filled[p]++] = key;
    buffer[this.filled[p]++] = delta;
    if (this.filled[p] === buffer.length) {
      this.flush(fds, p);
    }
  }

  private flushAll(fds: number[] = this.files!): void {
    for (let p = 0; p < PARTITIONS; p++) {
      this.flush(fds, p);
    }
  }

  private flush(fds: number[], p: number): void {
    if (this.filled[p] > 0) {
      writeSync(fds[p], new Uint8Array(this.buffers[p].buffer, 0, this.filled[p] * 8));
      this.filled[p] = 0;
    }
  }

  private create(file: string): number {
    this.paths.add(file);
    return openSync(file, 'w');
  }

  private remove(file: string): void {
    rmSync(file, { force: true });
    this.paths.delete(file);
  }

  private partitionPath(p: number): string {
    return `${this.spillPath}.${p}.spill`;
  }
}

/** The partition of `key` at `level`: the level's own bits of the key's hash. */
function partitionOf(key: number, level: number): number {
  return (hashKey(key) >>> (level * BITS_PER_LEVEL)) & (PARTITIONS - 1);
}

/** Calls `take` with each [key, delta] pair of `file` in order until it answers false; answers whether it read them all. */
function readPairs(file: string, take: (key: number, delta: number) => boolean): boolean {
  const fd = openSync(file, 'r');
  try {
    const chunk = new Float64Array(BUFFER_PAIRS * 2);
    const bytes = new Uint8Array(chunk.buffer);
    for (let n = readSync(fd, bytes); n > 0; n = readSync(fd, bytes)) {
      for (let i = 0; i < n / 8; i += 2) {
        if (!take(chunk[i], chunk[i + 1])) {
          return false;
        }
      }
    }
    return true;
  } finally {
    closeSync(fd);
  }
}
