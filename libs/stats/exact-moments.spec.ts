import { seededRandom } from '../datagen/prng';
import { CentMoments, centsToNumber, deviationsTenths, isqrt, meanCents, minCentsAbove, percentage, ratio, scaledVariance, stdDevCents } from './exact-moments';

function momentsOf(cents: bigint[]): CentMoments {
  return {
    count: BigInt(cents.length),
    sumCents: cents.reduce((s, c) => s + c, 0n),
    sumSqCents: cents.reduce((s, c) => s + c * c, 0n),
  };
}

/** n²·variance computed independently of scaledVariance: Σ(n·c − S)² / n. */
function referenceD(cents: bigint[]): bigint {
  const n = BigInt(cents.length);
  const s = cents.reduce((a, c) => a + c, 0n);
  return cents.reduce((a, c) => a + (n * c - s) ** 2n, 0n) / n;
}

function randomGroup(rand: () => number, maxLen: number, maxCents: number): bigint[] {
  const n = 1 + Math.floor(rand() * maxLen);
  return Array.from({ length: n }, () => BigInt(Math.floor(rand() * (maxCents + 1))));
}

describe('isqrt', () => {
  it('should return the floor square root when n is small', () => {
    const cases: Array<[bigint, bigint]> = [
      [0n, 0n],
      [1n, 1n],
      [2n, 1n],
      [3n, 1n],
      [4n, 2n],
      [15n, 3n],
      [16n, 4n],
      [17n, 4n],
    ];
    for (const [n, r] of cases) {
      expect(isqrt(n)).toBe(r);
    }
  });

  it('should be exact around a large perfect square when n is about 1e40', () => {
    const r = 10n ** 20n + 123_456_789n;
    expect(isqrt(r * r)).toBe(r);
    expect(isqrt(r * r - 1n)).toBe(r - 1n);
    expect(isqrt(r * r + 1n)).toBe(r);
    expect(isqrt((r + 1n) * (r + 1n) - 1n)).toBe(r);
    expect(isqrt((r + 1n) * (r + 1n))).toBe(r + 1n);
  });

  it('should satisfy r² ≤ n < (r+1)² when n is random up to 2^130', () => {
    const rand = seededRandom(1);
    for (let i = 0; i < 500; i++) {
      let n = 0n;
      const limbs = 1 + Math.floor(rand() * 5);
      for (let j = 0; j < limbs; j++) {
        n = (n << 26n) | BigInt(Math.floor(rand() * 2 ** 26));
      }
      const r = isqrt(n);
      expect(r * r <= n && n < (r + 1n) * (r + 1n)).toBe(true);
    }
  });

  it('should throw when n is negative', () => {
    expect(() => isqrt(-1n)).toThrow(RangeError);
  });
});

describe('meanCents and stdDevCents', () => {
  it('should round halves up when the exact value ends in .5', () => {
    expect(meanCents(momentsOf([0n, 1n]))).toBe(1n);
    expect(stdDevCents(momentsOf([0n, 1n]))).toBe(1n); // σ = 0.5
    expect(meanCents(momentsOf([100n, 200n]))).toBe(150n);
    expect(stdDevCents(momentsOf([100n, 200n]))).toBe(50n);
    expect(stdDevCents(momentsOf([0n, 0n, 1n]))).toBe(0n); // σ ≈ 0.471
  });

  it('should return 0 when the group is empty', () => {
    const empty = momentsOf([]);
    expect(meanCents(empty)).toBe(0n);
    expect(stdDevCents(empty)).toBe(0n);
  });

  it('should match a rational brute force when groups are random', () => {
    const rand = seededRandom(2);
    for (let i = 0; i < 2000; i++) {
      const cents = randomGroup(rand, 12, i % 2 === 0 ? 20 : 100_000_000);
      const m = momentsOf(cents);
      const n = m.count;
      const d = referenceD(cents);
      expect(scaledVariance(m)).toBe(d);
      // m − ½ ≤ S/n < m + ½
      const mean = meanCents(m);
      expect((2n * mean - 1n) * n <= 2n * m.sumCents && 2n * m.sumCents < (2n * mean + 1n) * n).toBe(true);
      // s − ½ ≤ √D/n < s + ½, squared: ((2s−1)n)² ≤ 4D < ((2s+1)n)²
      const s = stdDevCents(m);
      expect(s === 0n || ((2n * s - 1n) * n) ** 2n <= 4n * d).toBe(true);
      expect(4n * d < ((2n * s + 1n) * n) ** 2n).toBe(true);
    }
  });
});

describe('minCentsAbove', () => {
  it('should equal the smallest a with n·a − S > 0 and (n·a − S)² > 9D when groups are random', () => {
    const rand = seededRandom(3);
    let checked = 0;
    for (let i = 0; i < 1500; i++) {
      const cents = randomGroup(rand, 9, 60);
      const m = momentsOf(cents);
      const d = referenceD(cents);
      if (d === 0n) {
        continue;
      }
      let a = 0n;
      while (!(m.count * a - m.sumCents > 0n && (m.count * a - m.sumCents) ** 2n > 9n * d)) {
        a++;
      }
      expect(minCentsAbove(m, 3n)).toBe(a);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it('should return null when the group is empty or all values are equal', () => {
    expect(minCentsAbove(momentsOf([]), 3n)).toBeNull();
    expect(minCentsAbove(momentsOf([500n]), 3n)).toBeNull();
    expect(minCentsAbove(momentsOf([700n, 700n, 700n]), 3n)).toBeNull();
  });
});

describe('deviationsTenths', () => {
  it('should equal round(10·(a − mean)/σ) half up when amounts are random', () => {
    const rand = seededRandom(4);
    for (let i = 0; i < 2000; i++) {
      const cents = randomGroup(rand, 10, 1000);
      const m = momentsOf(cents);
      const d = referenceD(cents);
      const a = BigInt(Math.floor(rand() * 3000));
      const w = m.count * a - m.sumCents;
      const t = deviationsTenths(m, a);
      if (d === 0n || w <= 0n) {
        expect(t).toBe(0n);
        continue;
      }
      // t − ½ ≤ 10w/√D < t + ½  ⇔  (2t−1)²D ≤ 400w² < (2t+1)²D
      expect(t === 0n || (2n * t - 1n) ** 2n * d <= 400n * w * w).toBe(true);
      expect(400n * w * w < (2n * t + 1n) ** 2n * d).toBe(true);
    }
  });

  it('should give 20 tenths when the amount is two deviations above the mean', () => {
    // [0, 200]: mean 100, σ 100; 300 is 2σ above.
    expect(deviationsTenths(momentsOf([0n, 200n]), 300n)).toBe(20n);
    expect(deviationsTenths(momentsOf([0n, 200n]), 105n)).toBe(1n); // 0.05σ → 0.5 tenths → 1
  });
});

describe('percentage', () => {
  it('should round half up when the value lies on or near a half', () => {
    expect(percentage(1n, 8n, 1)).toBe(12.5);
    expect(percentage(1n, 8n, 0)).toBe(13);
    expect(percentage(1n, 3n, 1)).toBe(33.3);
    expect(percentage(2n, 3n, 1)).toBe(66.7);
    expect(percentage(5n, 5n, 2)).toBe(100);
  });

  it('should return 0 when the whole is 0', () => {
    expect(percentage(3n, 0n, 1)).toBe(0);
  });
});

describe('ratio', () => {
  it('should round half up when the value lies on or near a half', () => {
    expect(ratio(5n, 2n, 2)).toBe(2.5);
    expect(ratio(1n, 200n, 2)).toBe(0.01);
    expect(ratio(1n, 201n, 2)).toBe(0);
    expect(ratio(2n, 3n, 2)).toBe(0.67);
    expect(ratio(7n, 3n, 0)).toBe(2);
  });

  it('should return 0 when the denominator is 0', () => {
    expect(ratio(42n, 0n, 2)).toBe(0);
    expect(ratio(0n, 0n, 0)).toBe(0);
  });
});

describe('centsToNumber', () => {
  it('should give currency units when cents are exact', () => {
    expect(centsToNumber(12345n)).toBe(123.45);
    expect(centsToNumber(100000000n)).toBe(1000000);
  });
});
