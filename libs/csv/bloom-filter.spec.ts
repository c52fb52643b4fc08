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

describe('BloomFilter shared between threads', () => {
  it('should see keys added through another view of the same shared buffer', () => {
    const a = new BloomFilter(1000);
    const b = new BloomFilter(0, 10, 64 << 20, a.buffer);
    expect(a.testAndAdd('TXN_1')).toBe(false);
    expect(b.testAndAdd('TXN_1')).toBe(true);
    expect(b.testAndAdd('TXN_2')).toBe(false);
    expect(a.testAndAdd('TXN_2')).toBe(true);
  });
});
