import { Progress } from './progress';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { write: (t: string) => writes.push(t), isTTY, columns: 60 } };
}

describe('Progress', () => {
  it('should print plain lines only at the start, once per interval and at the end when not a terminal', () => {
    let clock = 0;
    const { writes, stream } = sink(false);
    const progress = new Progress(stream, {
      isTty: false,
      plainIntervalMs: 10_000,
      now: () => clock,
    });
    progress.phase('upload', '1.00 MiB');
    for (clock = 100; clock < 25_000; clock += 100) {
      progress.update(clock / 25_000, 'sending');
    }
    progress.done(1, 'sent');
    expect(writes).toEqual(['upload: 1.00 MiB\n', 'upload: 40% sending\n', 'upload: 80% sending\n', 'upload: 100% sent\n']);
  });

  it('should redraw one bar line in place in a terminal and close it with a newline', () => {
    let clock = 0;
    const { writes, stream } = sink(true);
    const progress = new Progress(stream, { isTty: true, now: () => clock });
    progress.phase('processing');
    clock = 50;
    progress.update(0.5, 'skipped: within 100 ms');
    clock = 200;
    progress.update(0.5, 'rows');
    progress.done(1, 'done');
    expect(writes.filter((w) => w.startsWith('\r'))).toHaveLength(3);
    expect(writes[1]).toContain('[############............] 50% rows');
    expect(writes.join('')).not.toContain('skipped');
    expect(writes[writes.length - 1]).toBe('\n');
  });

  it('should print nothing when quiet', () => {
    const { writes, stream } = sink(false);
    const progress = new Progress(stream, { isTty: false, isQuiet: true });
    progress.phase('upload');
    progress.done(1, 'sent');
    expect(writes).toEqual([]);
  });
});
