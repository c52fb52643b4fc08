/**
 * A blocked Bloom filter over strings: "maybe seen" or "certainly not seen", in fixed memory.
 * Each key sets 4 bits of one 32-bit word. Hashing and adding are separate steps, so threads can
 * hash keys in parallel while one thread adds them in a fixed order.
 */
export class BloomFilter {
  private readonly bits: Uint32Array;
  /** Words - 1 (a power of two minus one): what key hashes are masked with. */
  readonly wordMask: number;

  /**
   * Sized for `expectedItems` at about `bitsPerItem` bits each, rounded up to a power of two, but
   * never past `maxBytes` (rounded down then).
   */
  constructor(expectedItems: number, bitsPerItem = 10, maxBytes = 64 << 20) {
    const wanted = Math.min(Math.max(expectedItems * bitsPerItem, 1 << 16), maxBytes * 8);
    const size = Math.min(2 ** Math.ceil(Math.log2(wanted)), 2 ** Math.floor(Math.log2(Math.max(maxBytes * 8, 1 << 16))));
    this.bits = new Uint32Array(size / 32);
    this.wordMask = size / 32 - 1;
  }

  get sizeBytes(): number {
    return this.bits.byteLength;
  }

  /** Writes the key's word index and 4-bit mask at out[at], out[at + 1]. */
  static hashInto(key: string, wordMask: number, out: Int32Array, at: number): void {
    // Two independent 32-bit hashes (FNV-1a and a multiplicative one).
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    h2 ^= h2 >>> 13;
    out[at] = (h1 >>> 0) & wordMask;
    out[at + 1] = (1 << (h2 & 31)) | (1 << ((h2 >>> 5) & 31)) | (1 << ((h2 >>> 10) & 31)) | (1 << ((h2 >>> 15) & 31));
  }

  /** Adds a hashed key; answers whether it may have been added before. */
  testAndAddHashed(word: number, flags: number): boolean {
    const before = this.bits[word];
    this.bits[word] = before | flags;
    return (before & flags) === flags;
  }

  /** Adds `key`; answers whether it may have been added before. */
  testAndAdd(key: string): boolean {
    const h = new Int32Array(2);
    BloomFilter.hashInto(key, this.wordMask, h, 0);
    return this.testAndAddHashed(h[0], h[1]);
  }

  /** Adds hashed keys (pairs from hashInto) in order; returns the positions that may repeat. */
  addAll(hashes: Int32Array): number[] {
    const maybeSeen: number[] = [];
    for (let i = 0; i < hashes.length; i += 2) {
      if (this.testAndAddHashed(hashes[i], hashes[i + 1])) {
        maybeSeen.push(i >> 1);
      }
    }
    return maybeSeen;
  }
}
