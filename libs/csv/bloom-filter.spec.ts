import { BloomFilter } from './bloom-filter';

describe('BloomFilter', () => {
  it('should never miss a key that was added', () => {
    const bloom = new BloomFilter(10000);
    for (let i = 0; i < 10000; i++) {
      bloom.testAndAdd(`TXN_${i}`);
    }
    for (let i = 0; i < 10000; i++) {
      expect(bloom.testAndAdd(`TXN_${i}`)).toBe(true);
    }
  });

  it('should report every repeat as maybe-seen and keep false positives near the design rate', () => {
    const n = 200000;
    const bloom = new BloomFilter(n, 10);
    let falsePositives = 0;
    for (let i = 0; i < n; i++) {
      if (bloom.testAndAdd(`TXN_${i.toString(16).padStart(8, '0')}`)) {
        falsePositives++;
      }
    }
    for (let i = 0; i < n; i += 97) {
      expect(bloom.testAndAdd(`TXN_${i.toString(16).padStart(8, '0')}`)).toBe(true);
    }
    // 10 bits per key, 4 bits in one 32-bit block: about 2 %; the power-of-two rounding only helps.
    expect(falsePositives / n).toBeLessThan(0.03);
  });

  it('should cap its memory', () => {
    expect(new BloomFilter(1e9, 10, 1 << 20).sizeBytes).toBe(1 << 20);
  });
});

describe('BloomFilter with separate hashing', () => {
  it('should give the same answers when keys are hashed elsewhere and added in order', () => {
    const a = new BloomFilter(1000);
    const hashes = new Int32Array(6);
    ['TXN_1', 'TXN_2', 'TXN_1'].forEach((k, i) => BloomFilter.hashInto(k, a.wordMask, hashes, i * 2));
    expect(a.addAll(hashes)).toEqual([2]);
    expect(a.testAndAdd('TXN_2')).toBe(true);
  });

  it('should stay within maxBytes when rounding up to a power of two would pass it', () => {
    expect(new BloomFilter(1e7, 10, 12 << 20).sizeBytes).toBe(8 << 20);
    expect(new BloomFilter(1e6, 10, 12 << 20).sizeBytes).toBe(2 << 20);
  });
});
