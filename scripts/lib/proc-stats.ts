import { execFileSync } from 'child_process';
import { readdirSync, readFileSync } from 'fs';
import { Client } from 'pg';

/** Clock ticks a second, the unit of /proc CPU times. */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system, every thread) a process has used so far; NaN when it is gone or not visible. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return NaN;
  }
}

/** Pids of the processes whose command name is `comm` (e.g. redis-server), as /proc shows them. */
export function pidsNamed(comm: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm;
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** CPU seconds of the whole machine so far (every core): busy, stolen by the hypervisor, idle. */
export function machineCpu(): { busy: number; steal: number; idle: number } {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return { busy: (user + nice + system + irq + softirq) / TICKS, steal: (steal ?? 0) / TICKS, idle: (idle + iowait) / TICKS };
}

export interface CpuWindow {
  seconds: number;
  /** CPU seconds per label over the window. */
  byLabel: Record<string, number>;
  machine: { busy: number; steal: number; idle: number };
}

/** CPU used by labelled processes and by the machine between start() and stop(). */
export class CpuMeter {
  private startedMs = 0;
  private base: Record<string, number> = {};
  private machineBase = machineCpu();

  constructor(private readonly pids: Record<string, number>) {}

  start(): this {
    this.startedMs = performance.now();
    this.machineBase = machineCpu();
    this.base = Object.fromEntries(Object.entries(this.pids).map(([label, pid]) => [label, cpuSeconds(pid)]));
    return this;
  }

  stop(): CpuWindow {
    const m = machineCpu();
    const byLabel = Object.fromEntries(Object.entries(this.pids).map(([label, pid]) => [label, cpuSeconds(pid) - this.base[label]]));
    const b = this.machineBase;
    return {
      seconds: (performance.now() - this.startedMs) / 1000,
      byLabel,
      machine: { busy: m.busy - b.busy, steal: m.steal - b.steal, idle: m.idle - b.idle },
    };
  }
}

export interface PgCpu {
  /** Whether the server's processes could be read at all (a server on another host or in a VM cannot). */
  isVisible: boolean;
  /** The database's backends (clients, parallel workers, autovacuum), in CPU seconds. */
  database: number;
  /** The server's shared processes (WAL writer, checkpointer, background writer, launchers). */
  shared: number;
  /** Backends by application_name (an import's run connection is `import <id>`). */
  byApplication: Map<string, number>;
}

/**
 * Samples the CPU time of the PostgreSQL processes serving one database, and of the server's shared
 * processes, from /proc, every `everyMs`. A backend is counted from when it was first seen (from
 * zero if it was born during the window) to its last sample, so a backend that lives less than
 * one interval, or CPU spent after its last sample, is missed: an undercount of at most `everyMs`
 * of CPU a backend.
 */
export class PgCpuSampler {
  private readonly seen = new Map<number, { first: number; last: number; isShared: boolean; app: string }>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  /** `db`: a client on any database of the server (its own backend is left out). */
  constructor(
    private readonly db: Client,
    private readonly datname: string,
    private readonly everyMs = 100,
  ) {}

  async start(): Promise<void> {
    await this.sample(true);
    this.timer = setInterval(() => {
      this.running ??= this.sample(false).finally(() => (this.running = undefined));
    }, this.everyMs);
  }

  async stop(): Promise<PgCpu> {
    clearInterval(this.timer);
    await this.running;
    await this.sample(false);
    const out: PgCpu = { isVisible: this.seen.size > 0, database: 0, shared: 0, byApplication: new Map() };
    for (const s of this.seen.values()) {
      const used = s.last - s.first;
      if (s.isShared) {
        out.shared += used;
      } else {
        out.database += used;
        out.byApplication.set(s.app, (out.byApplication.get(s.app) ?? 0) + used);
      }
    }
    return out;
  }

  private async sample(isStart: boolean): Promise<void> {
    const { rows } = await this.db.query<{ pid: number; datname: string | null; application_name: string }>(
      `SELECT pid, datname, application_name FROM pg_stat_activity
       WHERE (datname = $1 OR datname IS NULL) AND pid <> pg_backend_pid()`,
      [this.datname],
    );
    for (const r of rows) {
      const cpu = cpuSeconds(r.pid);
      if (Number.isNaN(cpu)) {
        continue;
      }
      const s = this.seen.get(r.pid);
      if (s) {
        s.last = cpu;
      } else {
        this.seen.set(r.pid, { first: isStart ? cpu : 0, last: cpu, isShared: r.datname === null, app: r.application_name || '(none)' });
      }
    }
  }
}
