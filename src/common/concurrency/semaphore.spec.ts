import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  const tick = () => new Promise((r) => setImmediate(r));

  it('runs at most `permits` tasks at once, the rest in arrival order', async () => {
    const s = new Semaphore(2);
    const started: number[] = [];
    const finish: Array<() => void> = [];
    const tasks = [0, 1, 2, 3].map((i) =>
      s.run(
        () =>
          new Promise<number>((resolve) => {
            started.push(i);
            finish[i] = () => resolve(i);
          }),
      ),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(s.load).toEqual({ active: 2, waiting: 2 });
    finish[1]();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    finish[0]();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    finish[2]();
    finish[3]();
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3]);
    expect(s.load).toEqual({ active: 0, waiting: 0 });
  });

  it('gives the permit back when a task fails', async () => {
    const s = new Semaphore(1);
    await expect(s.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await s.run(() => Promise.resolve('next'))).toBe('next');
    expect(s.load).toEqual({ active: 0, waiting: 0 });
  });

  it('refuses a count of permits that is not a whole number ≥ 1', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
  });
});
