/**
 * A Bloom filter over strings: "maybe seen" or "certainly not seen", in fixed memory.
 * Used to spot the few rows that might repeat a key without remembering every key.
 */
export class BloomFilter {
  private readonly bits: Uint32Array;
  private readonly wordMask: number;
  private readonly isShared: boolean;

  /**
   * Sized for `expectedItems` at about `bitsPerItem` bits each (rounded up to a power of two), or
   * over an existing SharedArrayBuffer so that several threads fill one filter (with atomic ORs).
   */
  constructor(expectedItems: number, bitsPerItem = 10, maxBytes = 64 << 20, shared?: SharedArrayBuffer) {
    const wanted = Math.min(Math.max(expectedItems * bitsPerItem, 1 << 16), maxBytes * 8);
    const size = shared ? shared.byteLength * 8 : 2 ** Math.ceil(Math.log2(wanted));
    this.bits = shared ? new Uint32Array(shared) : new Uint32Array(new SharedArrayBuffer(size / 8));
    this.isShared = shared !== undefined;
    this.wordMask = size / 32 - 1;
  }

  /** The bits, to hand to other threads. */
  get buffer(): SharedArrayBuffer {
    return this.bits.buffer as SharedArrayBuffer;
  }

  get sizeBytes(): number {
    return this.bits.byteLength;
  }

  /** Adds `key`; answers whether it may have been added before. */
  testAndAdd(key: string): boolean {
    // Two independent 32-bit hashes (FNV-1a and a multiplicative one).
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    h2 ^= h2 >>> 13;
    // Blocked filter: the key's 4 bits live in one 32-bit word, set by one (atomic) OR. Of two
    // threads adding the same key at once, the second OR always sees all 4 bits set, so at least
    // one of two equal keys is reported: callers confirm the reported ones exactly.
    const word = (h1 >>> 0) & this.wordMask;
    const flags = (1 << (h2 & 31)) | (1 << ((h2 >>> 5) & 31)) | (1 << ((h2 >>> 10) & 31)) | (1 << ((h2 >>> 15) & 31));
    let before: number;
    if (this.isShared) {
      before = Atomics.or(this.bits, word, flags);
    } else {
      before = this.bits[word];
      this.bits[word] = before | flags;
    }
    return (before & flags) === flags;
  }
}
