/**
 * A Bloom filter over strings: "maybe seen" or "certainly not seen", in fixed memory.
 * Used to spot the few rows that might repeat a key without remembering every key.
 */
export class BloomFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;

  /** Sized for `expectedItems` at about `bitsPerItem` bits each (rounded up to a power of two). */
  constructor(expectedItems: number, bitsPerItem = 10, maxBytes = 64 << 20) {
    const wanted = Math.min(Math.max(expectedItems * bitsPerItem, 1 << 16), maxBytes * 8);
    const size = 2 ** Math.ceil(Math.log2(wanted));
    this.bits = new Uint32Array(size / 32);
    this.mask = size - 1;
  }

  get sizeBytes(): number {
    return this.bits.byteLength;
  }

  /** Adds `key`; answers whether it may have been added before. */
  testAndAdd(key: string): boolean {
    // Two independent 32-bit hashes (FNV-1a and a multiplicative one), combined by double hashing.
    let h1 = 0x811c9dc5;
    let h2 = 0x9747b28c;
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 + c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    h2 = (h2 ^ (h2 >>> 13)) | 1;
    let wasSet = true;
    for (let k = 0; k < 4; k++) {
      const bit = (h1 + Math.imul(k, h2)) & this.mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      if ((this.bits[word] & flag) === 0) {
        wasSet = false;
        this.bits[word] |= flag;
      }
    }
    return wasSet;
  }
}
