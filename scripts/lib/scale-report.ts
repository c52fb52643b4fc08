import type { CpuWindow, PgCpu } from './proc-stats';
import type { AnalyticsRun } from './scale-analytics';
import type { ImportRun, RawCopyRun } from './scale-imports';

const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '–');
const int = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');

/** CPU over a window, in cores (CPU seconds / wall seconds), by what used it. */
export interface Cores {
  node: number;
  postgres: number;
  redis: number;
  bench: number;
  /** The machine's busy time not accounted for above (psql clients, other people's work, the kernel). */
  other: number;
  busy: number;
  steal: number;
  /** Cores the machine has (busy + idle + stolen over the window). */
  of: number;
}

export function cores(cpu: CpuWindow, pg: PgCpu): Cores {
  const w = cpu.seconds;
  const by = cpu.byLabel;
  const node = Object.entries(by)
    .filter(([l]) => l === 'api' || /^(api|worker) \d/.test(l))
    .reduce((s, [, v]) => s + v, 0);
  const postgres = pg.database + pg.shared;
  const [redis, bench] = [by.redis ?? 0, by.bench ?? 0];
  const m = cpu.machine;
  return {
    node: node / w,
    postgres: postgres / w,
    redis: redis / w,
    bench: bench / w,
    other: Math.max(0, m.busy - node - postgres - redis - bench) / w,
    busy: m.busy / w,
    steal: m.steal / w,
    of: (m.busy + m.idle + m.steal) / w,
  };
}

export const coresText = (c: Cores) =>
  `node ${f2(c.node)}, postgres ${f2(c.postgres)}, redis ${f2(c.redis)}, bench ${f2(c.bench)}, other ${f2(c.other)} = ` +
  `${f2(c.busy)} of ${f1(c.of)} busy${c.steal >= 0.05 ? ` (+${f2(c.steal)} stolen by the host)` : ''}`;

/** The job's top-level phases (copy, dedupe, publish); their sub-phases are in the import's metrics. */
const phases = (p: Record<string, number>) =>
  Object.entries(p)
    .filter(([k]) => !k.includes('.'))
    .map(([k, v]) => `${k} ${f1(v)}`)
    .join(', ');

/** Each import of a run: who ran it and when (seconds from the first upload). */
export function printImportRun(r: ImportRun): void {
  console.log(`\n${r.workers} worker${r.workers > 1 ? 's' : ''}: last COMPLETED at ${f1(r.wallS)} s, workers free (post-commit indexing done) at ${f1(r.settledS)} s`);
  console.log('| import | org | rows loaded | worker | uploaded | started | COMPLETED | indexed | job s | phases s | its postgres CPU s |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  const order = [...r.imports].sort((a, b) => a.startedS - b.startedS);
  for (const i of order) {
    const pgCpu = r.pg.byApplication.get(`import ${i.importId}`);
    console.log(
      `| ${i.importId.slice(0, 8)} | ${i.file.org + 1} | ${int(i.rowsLoaded)} | ${i.worker >= 0 ? i.worker + 1 : '?'}${i.attempts > 1 ? ` (${i.attempts} attempts)` : ''} | ` +
        `${f1(i.uploadedS)} | ${f1(i.startedS)} | ${f1(i.completedS)} | ${f1(i.indexedS)} | ${f1(i.jobS)} | ${phases(i.phasesS)} | ${pgCpu === undefined ? '–' : f1(pgCpu)} |`,
    );
  }
  const holdS = r.imports.reduce((s, i) => s + (i.indexedS - i.completedS), 0);
  const busyS = r.imports.reduce((s, i) => s + (i.indexedS - i.startedS), 0);
  console.log(
    `post-commit indexing (COMPLETED → indexed, the worker still holding the job) took ${f1(holdS)} s of the workers' ` +
      `${f1(busyS)} s busy with imports (${f1((holdS / busyS) * 100)} %)`,
  );
  for (const note of r.notes) {
    console.log(`  note: ${note}`);
  }
}

/** Per process of an import run: imports, rows, time busy with jobs, CPU, peak RSS. */
export function printSplit(r: ImportRun): void {
  for (const [label, cpuS] of Object.entries(r.cpu.byLabel).filter(([l]) => l === 'api' || l.startsWith('worker'))) {
    const w = label === 'api' ? -2 : Number(label.slice(7)) - 1;
    const mine = r.imports.filter((i) => i.worker === w);
    const pgS = mine.reduce((s, i) => s + (r.pg.byApplication.get(`import ${i.importId}`) ?? 0), 0);
    const busyS = mine.reduce((s, i) => s + (i.indexedS - i.startedS), 0);
    const what =
      label === 'api'
        ? 'receives the uploads, answers the polls'
        : `${mine.length} import${mine.length === 1 ? '' : 's'}, ${int(mine.reduce((s, i) => s + i.rowsLoaded, 0))} rows, busy ${f1(busyS)} s`;
    console.log(`| ${r.workers} | ${label} | ${what} | ${f1(cpuS)} s (${f2(cpuS / r.cpu.seconds)} cores) | ${label === 'api' ? '–' : `${f1(pgS)} s`} | ${r.rssMb[label]} |`);
  }
}

export interface ImportFigures {
  rows: number;
  bytes: number;
  raw: RawCopyRun[];
  runs: ImportRun[];
}

/** The README table of the imports: raw COPY one and two at a time, one and two workers. */
export function printImportTable(x: ImportFigures): void {
  const [seq, par] = x.raw;
  const [one] = x.runs;
  console.log(
    '| run | wall s | rows/s | MB/s | speed-up vs 1 worker | time × raw COPY one at a time | time × raw COPY two at a time | ' +
      'cores: node / postgres / other work / machine busy | peak RSS MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of x.raw) {
    const c = cores(r.cpu, r.pg);
    console.log(
      `| raw COPY, ${r.lanes === 1 ? 'one at a time' : `${r.lanes} at a time`} | ${f1(r.wallS)} | ${int(x.rows / r.wallS)} | ${f1(x.bytes / 1e6 / r.wallS)} | | ` +
        `${f2(r.wallS / seq.wallS)} | ${f2(r.wallS / par.wallS)} | – / ${f2(c.postgres)} / ${f2(c.other)} / ${f2(c.busy)} | – |`,
    );
  }
  for (const r of x.runs) {
    const c = cores(r.cpu, r.pg);
    const rss = Object.entries(r.rssMb)
      .map(([l, v]) => `${l} ${v}`)
      .join(', ');
    console.log(
      `| ${r.workers} worker${r.workers > 1 ? 's' : ''} + 1 api | ${f1(r.wallS)} | ${int(x.rows / r.wallS)} | ${f1(x.bytes / 1e6 / r.wallS)} | ` +
        `${f2(one.wallS / r.wallS)} | ${f2(r.wallS / seq.wallS)} | ${f2(r.wallS / par.wallS)} | ${f2(c.node)} / ${f2(c.postgres)} / ${f2(c.other)} / ${f2(c.busy)} | ${rss} |`,
    );
  }
}

/** The README table of the analytics loads: one against two API processes. */
export function printAnalyticsTable(a: AnalyticsRun): void {
  console.log(
    '| load | connections | 1 api: req/s, p50 / p99 ms | 2 api: req/s, p50 / p99 ms | req/s 2 vs 1 | ' +
      'cores, 1 api → 2 api: node / postgres / autocannon / other work / machine busy |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const sc of a.scenarios) {
    const [one, two] = sc.runs;
    const cell = (l: (typeof one)['load']) => `${int(l.rps)}, ${f1(l.p50)} / ${f1(l.p99)}${l.errors + l.non2xx ? ` (errors ${l.errors}, non-2xx ${l.non2xx})` : ''}`;
    const cpu = (r: typeof one) => {
      const c = cores(r.cpu, r.pg);
      return `${f2(c.node)} / ${f2(c.postgres)} / ${f2(c.bench)} / ${f2(c.other)} / ${f2(c.busy)}`;
    };
    console.log(`| ${sc.name} | ${sc.connections} | ${cell(one.load)} | ${cell(two.load)} | ${f2(two.load.rps / one.load.rps)} | ${cpu(one)} → ${cpu(two)} |`);
  }
}

/** CPU of this bench's own processes (the app, its Postgres backends, Redis, the bench), in cores. */
const ours = (c: Cores) => c.node + c.postgres + c.redis + c.bench;
const isFull = (cpu: number, c: Cores) => cpu >= 0.85 * c.of;

/** One run's CPU in words: whether the machine was full, and with whose work. */
function reading(c: Cores): string {
  const others = c.other >= 0.25 ? `; other work on the machine took ${f2(c.other)} cores of it` : '';
  return `${isFull(c.busy, c) ? 'the machine was full' : `${f2(c.of - c.busy)} cores idle`} (${coresText(c)}: this run's processes ${f2(ours(c))}${others})`;
}

/** Which bound a pair of runs (one process, two) met, from who used the cores. */
function verdict(one: Cores, two: Cores, what: string): string {
  const split = (c: Cores) => `node ${f2(c.node)}, Postgres ${f2(c.postgres)} cores`;
  let text: string;
  if (!isFull(one.busy, one) && !isFull(two.busy, two)) {
    text = `Neither run filled the cores (this run's processes ${f2(ours(one))} and ${f2(ours(two))} of ${f1(one.of)}): the bound is not CPU but waiting (locks, I/O, the queue, the load generator).`;
  } else if (isFull(ours(one), one)) {
    text = `One ${what} alone keeps every core busy (${split(one)}), so a second can only share the same cores: the speed-up is bounded by CPU.`;
  } else if (isFull(ours(two), two)) {
    text = `One ${what} used ${f2(ours(one))} of ${f1(one.of)} cores; two fill the machine (${split(two)}): the speed-up is bounded by the cores the first left.`;
  } else if (ours(one) >= one.other) {
    text = `The machine was full, mostly with this run's own work (${split(one)} with one, ${split(two)} with two): ` + `bounded by CPU, of which other work took a share.`;
  } else {
    text = `The machine was full, mostly with other work: these figures say what a second ${what} gains on a shared machine, not on an idle one.`;
  }
  if (Math.max(one.other, two.other) >= 0.25) {
    text += ` Other work took ${f2(one.other)} and ${f2(two.other)} cores during the two runs: rerun on a quiet machine for this machine's own figures.`;
  }
  return text;
}

/** What bounded the speed-up, read from the CPU figures of the same run. */
export function printLimits(x: ImportFigures | undefined, a: AnalyticsRun | undefined): void {
  console.log('\nWhat limits the speed-up on this machine (CPU in cores = CPU seconds / wall seconds, from /proc):');
  if (x) {
    const [one, two] = x.runs.map((r) => cores(r.cpu, r.pg));
    const [seq, par] = x.raw;
    console.log(`- imports, 1 worker: ${reading(one)}.`);
    console.log(`- imports, 2 workers: ${reading(two)}.`);
    console.log(`  ${verdict(one, two, 'worker')} An import is parsed and encoded by its worker's load threads while a Postgres backend takes its COPY.`);
    console.log(
      `- Postgres alone: two raw COPYs at a time took ${f2(par.wallS / seq.wallS)}× the wall time of one at a time ` +
        `(its backends ${f2(cores(seq.cpu, seq.pg).postgres)} → ${f2(cores(par.cpu, par.pg).postgres)} cores; the psql clients are in "other").`,
    );
  }
  if (a) {
    for (const sc of a.scenarios) {
      const [one, two] = sc.runs.map((r) => cores(r.cpu, r.pg));
      console.log(`- ${sc.name}, 1 api: ${reading(one)}; 2 api: ${reading(two)}.`);
      console.log(`  ${verdict(one, two, 'API process')}`);
    }
    console.log(
      '  The load generator (autocannon, in the bench process: "bench") runs on the same cores as the API processes, ' +
        'so "2 vs 1" is what a second process gains on this machine beside its load, not on a bigger one.',
    );
  }
}
