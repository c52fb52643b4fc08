import { importBudget } from './import-budget';

const MB = 1 << 20;

describe('importBudget', () => {
  it.each([
    [256 * MB, 1],
    [256 * MB, 4],
    [1024 * MB, 3],
    [2048 * MB, 8],
    [1000, 7],
    [7, 3],
    [0, 2],
  ])('should give shares that add up to the total when the budget is %i bytes over %i threads', (total, threads) => {
    const b = importBudget(total, threads);
    expect(b.threadFoldBytes * threads + b.mainFoldBytes + b.bloomBytes).toBe(total);
    expect(Math.min(b.threadFoldBytes, b.mainFoldBytes, b.bloomBytes)).toBeGreaterThanOrEqual(0);
  });

  it('should give an eighth to the Bloom filter, half to the threads and the rest to the merge when the budget is small', () => {
    expect(importBudget(64 * MB, 4)).toEqual({ bloomBytes: 8 * MB, threadFoldBytes: 8 * MB, mainFoldBytes: 24 * MB });
  });

  it('should cap the Bloom filter at 32 MB and give the rest to the merge when the budget is large', () => {
    expect(importBudget(1024 * MB, 4)).toEqual({ bloomBytes: 32 * MB, threadFoldBytes: 128 * MB, mainFoldBytes: 480 * MB });
    expect(importBudget(256 * MB, 2).bloomBytes).toBe(32 * MB);
    expect(importBudget(255 * MB, 2).bloomBytes).toBe(Math.floor((255 * MB) / 8));
  });

  it("should split the threads' half evenly, rounding down, and give the remainder to the merge when it does not divide", () => {
    const b = importBudget(1000, 3);
    expect(b).toEqual({ bloomBytes: 125, threadFoldBytes: 166, mainFoldBytes: 377 });
  });

  it('should count at least one thread when told of none', () => {
    expect(importBudget(800, 0)).toEqual({ bloomBytes: 100, threadFoldBytes: 400, mainFoldBytes: 300 });
  });
});
