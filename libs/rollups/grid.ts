import { CellTable } from './cell-table';

const COL_LIMIT = 1 << 24;

/** Measures of the cells: doubles, or 32-bit integers for a grid of counts. */
export type Cells = Float64Array | Int32Array;

/**
 * Measure vectors per (row, col) cell, e.g. (hour, zone id) or (merchant id, day): a dense
 * row-major Float64Array while rows × cols stays under `maxCells` (hours of a few months times a
 * few dozen zones fit in a few hundred KB, so a cell is one array access), and a hashed CellTable
 * beyond that (years of hours, or tens of thousands of ids). Rows may be negative; cols are ids
 * in [0, 2^24).
 */
export class Grid {
  private cells: Cells = new Float64Array(0);
  private rowBase = 0;
  private rowCount = 0;
  private colCount = 0;
  /** Rows actually used in the dense band (the band adds headroom around them). */
  private minRow = 0;
  private maxRow = -1;
  /** Cells outside the dense band that could not join it within maxCells (outlier rows). */
  private overflow: CellTable | null = null;
  private current: Cells = this.cells;

  private overflowed = false;

  constructor(
    readonly width: number,
    private readonly maxCells = 1 << 20,
    /** Cells the sparse table may hold before the grid gives up (bounded memory; see isOverflowed). */
    private readonly maxSparseCells = Infinity,
    /**
     * Counts only (every measure an integer below 2^31): the dense band is an Int32Array, half the
     * bytes (a dense band of merchant days is the largest fold of a realistic file).
     */
    private readonly isInt32 = false,
  ) {}

  /**
   * A grid within about `bytes`: four fifths for the dense band, one fifth for the sparse table of
   * outlier rows (16 bytes a measure at its 0.7 load factor). A reshape briefly holds the old band
   * beside the new one.
   */
  static withinBytes(width: number, bytes: number, isInt32 = false): Grid {
    const cellBytes = isInt32 ? 4 : 8;
    return new Grid(width, Math.max(64, Math.floor((bytes * 0.8) / (width * cellBytes))), Math.max(64, Math.floor((bytes * 0.2 * 0.7) / ((width + 1) * 8))), isInt32);
  }

  /**
   * True once more cells were asked for than the grid may hold: it then holds nothing (its memory
   * is released) and slot() answers -1; whoever reads it must compute the cells another way.
   */
  get isOverflowed(): boolean {
    return this.overflowed;
  }

  /** Gives up (see isOverflowed), e.g. when a dimension's dictionary is full. */
  markOverflowed(): void {
    this.overflowed = true;
    this.cells = new Float64Array(0);
    this.current = this.cells;
    this.overflow = null;
    this.rowCount = 0;
    this.colCount = 0;
  }

  /**
   * The offset of the cell's measures in `data` (zeros when new), or -1 once the grid is
   * overflowed. `data` is then the array that holds this cell, until the next slot() call.
   */
  slot(row: number, col: number): number {
    if (this.overflowed) {
      return -1;
    }
    const r = row - this.rowBase;
    if (r >= 0 && r < this.rowCount && col < this.colCount) {
      this.current = this.cells;
      if (row < this.minRow) {
        this.minRow = row;
      } else if (row > this.maxRow) {
        this.maxRow = row;
      }
      return (r * this.colCount + col) * this.width;
    }
    if (this.reshape(row, col)) {
      return this.slot(row, col);
    }
    this.overflow ??= new CellTable(this.width, 64);
    if (this.overflow.size >= this.maxSparseCells && !this.overflow.has(row * COL_LIMIT + col)) {
      this.markOverflowed();
      return -1;
    }
    const at = this.overflow.slot(row * COL_LIMIT + col);
    this.current = this.overflow.data;
    return at;
  }

  get data(): Cells {
    return this.current;
  }

  /** Every cell whose first measure (the count) is not 0 (its measures start at `at` in `data`). */
  forEach(fn: (row: number, col: number, data: Cells, at: number) => void): void {
    for (const [row, col, measures] of this.entries()) {
      fn(row, col, measures, 0);
    }
  }

  /** The non-empty cells as [row, col, measures], one at a time (nothing is materialised). */
  *entries(): Generator<[number, number, Cells]> {
    const { width } = this;
    const { overflow } = this;
    if (overflow) {
      for (const keyAt of overflow.offsets()) {
        const data = overflow.data;
        if (data[keyAt + 1] !== 0) {
          const key = data[keyAt];
          const row = Math.floor(key / COL_LIMIT);
          yield [row, key - row * COL_LIMIT, data.subarray(keyAt + 1, keyAt + 1 + width)];
        }
      }
    }
    const { cells, colCount, rowBase } = this;
    for (let at = 0; at < cells.length; at += width) {
      if (cells[at] !== 0) {
        const cell = at / width;
        const r = Math.floor(cell / colCount);
        yield [r + rowBase, cell - r * colCount, cells.subarray(at, at + width)];
      }
    }
  }

  /** Adds `sign` × measures (from `source` at `from`) to the cell. */
  addFrom(row: number, col: number, source: Cells, from: number, sign = 1): void {
    const at = this.slot(row, col);
    if (at < 0) {
      return;
    }
    const data = this.data;
    for (let i = 0; i < this.width; i++) {
      data[at + i] += sign * source[from + i];
    }
  }

  /** [row, col, measures…] per non-empty cell, flat (to transfer between threads). */
  pack(): Float64Array {
    // Counted first, then filled: materialising every cell as [row, col, view] tuples cost ~150
    // bytes a cell, which a load thread's capped heap could not hold at 450K cells.
    let cells = 0;
    for (const _cell of this.entries()) {
      cells++;
    }
    const out = new Float64Array(cells * (this.width + 2));
    let p = 0;
    for (const [row, col, measures] of this.entries()) {
      out[p++] = row;
      out[p++] = col;
      out.set(measures, p);
      p += this.width;
    }
    return out;
  }

  /** Adds packed tuples, mapping their cols (ids of another dictionary) through `cols`. */
  addPacked(packed: Float64Array, mapCol: (col: number) => number, mapRow: (row: number) => number = (r) => r): void {
    const stride = this.width + 2;
    for (let p = 0; p < packed.length; p += stride) {
      this.addFrom(mapRow(packed[p]), mapCol(packed[p + 1]), packed, p + 2);
    }
  }

  /** Grows (with headroom) to take (row, col); false when that would pass maxCells. */
  private reshape(row: number, col: number): boolean {
    const isEmpty = this.rowCount === 0;
    const lo = isEmpty ? row : Math.min(this.minRow, row);
    const hi = isEmpty ? row : Math.max(this.maxRow, row);
    const span = hi - lo + 1;
    // Headroom on the side that grew: rows usually arrive in a band (hours of one period).
    const rows = Math.max(span + Math.ceil(span / 2), 16);
    const newBase = isEmpty || row < this.minRow ? hi - rows + 1 : lo;
    const cols = col >= this.colCount ? Math.max(4, 2 ** Math.ceil(Math.log2(col + 1))) : this.colCount;
    if (rows * cols > this.maxCells) {
      return false;
    }
    const cells = this.isInt32 ? new Int32Array(rows * cols * this.width) : new Float64Array(rows * cols * this.width);
    const { width, colCount, rowBase } = this;
    for (let at = 0; at < this.cells.length; at += width) {
      if (this.cells[at] !== 0) {
        const cell = at / width;
        const r = Math.floor(cell / colCount);
        const to = ((r + rowBase - newBase) * cols + (cell - r * colCount)) * width;
        for (let i = 0; i < width; i++) {
          cells[to + i] = this.cells[at + i];
        }
      }
    }
    this.cells = cells;
    this.rowBase = newBase;
    this.rowCount = rows;
    this.colCount = cols;
    this.minRow = lo;
    this.maxRow = hi;
    // Overflow cells the band now covers move into it, so no cell lives in both places.
    const overflow = this.overflow;
    if (overflow) {
      this.overflow = null;
      overflow.forEach((key, data, at) => {
        const r = Math.floor(key / COL_LIMIT);
        this.addFrom(r, key - r * COL_LIMIT, data, at);
      });
    }
    return true;
  }
}
