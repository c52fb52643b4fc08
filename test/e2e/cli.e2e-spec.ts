import { ChildProcess, spawn } from 'child_process';
import * as ExcelJS from 'exceljs';
import { existsSync, promises as fs, readFileSync } from 'fs';
import * as net from 'net';
import type { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import request from 'supertest';
import { REPO_ROOT, writeTransactionsCsv } from '../factories/big-csv';
import { csvToObjects, toJsonArray, toNdjson } from '../factories/json-rows';
import { createOrg, startTestApp, TestApp, uploadRaw, waitForImport } from '../factories/test-app';

/**
 * The command line as a user runs it: `node bin/analytics.js …` (what `npx analytics` runs) in a
 * child process, against the real app listening on a port, its outputs and exit status checked
 * against what the API itself answers. Needs `npx nest build` first (the CLI runs from dist/).
 */
const BIN = path.join(REPO_ROOT, 'bin/analytics.js');
const fixture = (rel: string) => path.join(__dirname, '../fixtures/csv', rel);
const MIXED = fixture('ok/transactions-mixed.csv');
/** What ok/transactions-mixed.csv's 12 data rows are rejected for (4 rows load). */
const MIXED_REJECTS = {
  INVALID_AMOUNT: 1,
  NEGATIVE_AMOUNT: 1,
  MISSING_MERCHANT_ID: 1,
  FUTURE_TIMESTAMP: 1,
  INVALID_TIMESTAMP: 1,
  DUPLICATE_ID: 1,
  AMOUNT_TOO_LARGE: 1,
  WRONG_FIELD_COUNT: 1,
};
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with only PATH and `env` in its environment (no ANALYTICS_* leaks in from ours). */
function runCli(args: string[], env: Record<string, string>, cwd: string, onSpawn?: (child: ChildProcess) => void): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Samples a process's peak resident memory (Linux: VmHWM of /proc/PID/status) until stopped. */
function peakRssSampler(pid: number): { stop(): number } {
  let peakKb = 0;
  const sample = () => {
    try {
      const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      peakKb = Math.max(peakKb, Number(match?.[1] ?? 0));
    } catch {
      // gone already
    }
  };
  const timer = setInterval(sample, 20);
  return {
    stop() {
      clearInterval(timer);
      return peakKb * 1024;
    },
  };
}

async function xlsxRows(file: string): Promise<ExcelJS.CellValue[][]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(file);
  const rows: ExcelJS.CellValue[][] = [];
  book.worksheets[0].eachRow((row) => rows.push((row.values as ExcelJS.CellValue[]).slice(1)));
  return rows;
}

describe('analytics command line (e2e)', () => {
  let t: TestApp;
  let url: string;
  let tmp: string;

  /** A new organization whose key the CLI gets from ANALYTICS_API_KEY. */
  const orgCli = async () => {
    const { key } = await createOrg(t, 'cli');
    return {
      key,
      cli: (args: string[]) => runCli(args, { ANALYTICS_URL: url, ANALYTICS_API_KEY: key }, tmp),
    };
  };
  const getImport = async (key: string, id: string) => (await request(t.http).get(`/api/v1/imports/${id}`).set('X-API-Key', key).expect(200)).body;
  const importIdOf = (stdout: string) => {
    const match = new RegExp(`^import (${UUID}) `, 'm').exec(stdout);
    if (!match) {
      throw new Error(`no import id in: ${stdout}`);
    }
    return match[1];
  };

  beforeAll(async () => {
    if (!existsSync(path.join(REPO_ROOT, 'dist/src/cli/main.js'))) {
      throw new Error('dist/src/cli/main.js is missing: run npx nest build first');
    }
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(t.http.address() as AddressInfo).port}`;
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'analytics-cli-'));
  });

  afterAll(async () => {
    await t?.close();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it('should upload a CSV, follow it to COMPLETED and print the rows loaded and rejected by reason', async () => {
    const { key, cli } = await orgCli();
    const run = await cli(['import', MIXED, '--kind', 'transactions', '--reject-threshold', '0.9']);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(new RegExp(`^import ${UUID} COMPLETED$`, 'm'));
    expect(run.stdout).toMatch(/^\s+rows loaded\s+4$/m);
    expect(run.stdout).toMatch(/^\s+rows rejected\s+8 of 12 read \(threshold 90%\)$/m);
    expect(run.stdout).toMatch(/^\s+duration\s+\S+ (ms|s) processing/m);
    for (const [reason, count] of Object.entries(MIXED_REJECTS)) {
      expect(run.stdout).toMatch(new RegExp(`^\\s+${reason}\\s+${count}$`, 'm'));
    }
    // What it printed is what the API holds.
    const imp = await getImport(key, importIdOf(run.stdout));
    expect(imp).toMatchObject({
      status: 'COMPLETED',
      kind: 'transactions',
      format: 'csv',
      fileName: 'transactions-mixed.csv',
      rejectThreshold: 0.9,
      rejectsByReason: MIXED_REJECTS,
    });
    expect(imp.progress).toMatchObject({ rowsLoaded: 4, rowsRejected: 8 });
    // Not a terminal: progress as a few plain lines on stderr, never a bar redrawn with \r.
    expect(run.stderr).toMatch(/^upload: 100% 752 B in .+, import /m);
    expect(run.stderr).toMatch(/^processing: 100% COMPLETED, 12 rows read$/m);
    expect(run.stderr).not.toContain('\r');
    expect(run.stderr.split('\n').length).toBeLessThan(10);
  });

  it("should exit 1 with the API's reason when the import fails", async () => {
    const { key, cli } = await orgCli();
    const run = await cli(['import', MIXED, '--kind', 'transactions']);
    expect(run).toMatchObject({ code: 1 });
    const id = importIdOf(run.stdout);
    const imp = await getImport(key, id);
    expect(imp).toMatchObject({ status: 'FAILED', errorCode: 'REJECT_THRESHOLD_EXCEEDED' });
    expect(run.stdout).toContain(`import ${id} FAILED`);
    expect(run.stdout).toMatch(/^\s+rows loaded\s+0$/m);
    expect(run.stdout).toContain(`REJECT_THRESHOLD_EXCEEDED: ${imp.error}`);
    expect(run.stderr).toContain(`analytics: import ${id} FAILED: ${imp.error}\n`);
  });

  it("should exit 3 with the API's message when the upload is refused, without a stack trace", async () => {
    const { key, cli } = await orgCli();
    const file = fixture('not-ok/invalid-missing-columns.csv');
    const refused = await uploadRaw(t, key, 'transactions', readFileSync(file)).expect(400);
    const run = await cli(['import', file, '--kind', 'transactions']);
    expect(run).toMatchObject({ code: 3, stdout: '' });
    expect(run.stderr).toContain(`analytics: ${refused.body.message} (400 ${refused.body.error})`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    // Nothing was queued.
    const list = await request(t.http).get('/api/v1/imports').set('X-API-Key', key).expect(200);
    expect(list.body.total).toBe(0);
  });

  it('should say in one line that the key is missing, the key is refused or the server does not answer', async () => {
    const { key } = await orgCli();
    const noKey = await runCli(['imports'], { ANALYTICS_URL: url }, tmp);
    expect(noKey).toMatchObject({ code: 2, stdout: '' });
    expect(noKey.stderr).toMatch(/^analytics: no API key: set ANALYTICS_API_KEY \(or pass --key\)[^\n]*\n$/);

    const wrongKey = await runCli(['imports', '--key', 'ak_not_a_real_key_at_all'], { ANALYTICS_URL: url }, tmp);
    expect(wrongKey).toMatchObject({ code: 3, stdout: '' });
    expect(wrongKey.stderr).toMatch(/^analytics: [^\n]+ \(401 [A-Z_]+\)\n$/);

    const port = await closedPort();
    const down = await runCli(['import', MIXED, '--kind', 'transactions'], { ANALYTICS_URL: `http://127.0.0.1:${port}`, ANALYTICS_API_KEY: key }, tmp);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain(`analytics: cannot reach the API at http://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(down.stderr).not.toMatch(/^\s+at /m);

    const missingFile = await runCli(['import', path.join(tmp, 'nope.csv'), '--kind', 'transactions'], { ANALYTICS_URL: url, ANALYTICS_API_KEY: key }, tmp);
    expect(missingFile).toMatchObject({
      code: 2,
      stderr: `analytics: import: cannot read ${path.join(tmp, 'nope.csv')} (ENOENT)\n`,
    });
  });

  it("should list imports as a table and as the API's JSON, with its filters and pages", async () => {
    const { key, cli } = await orgCli();
    const ok = (await uploadRaw(t, key, 'transactions', readFileSync(MIXED), 'rejectThreshold=0.9&fileName=ok.csv').expect(202)).body.importId;
    await waitForImport(t, key, ok);
    // The same rows again: the 4 loaded ones are now duplicates too, 12 of 12 rejected.
    const failed = (await uploadRaw(t, key, 'transactions', readFileSync(MIXED), 'fileName=failed.csv').expect(202)).body.importId;
    await waitForImport(t, key, failed);

    const json = await cli(['imports', '--json']);
    expect(json).toMatchObject({ code: 0 });
    const page = JSON.parse(json.stdout);
    expect(page).toMatchObject({ page: 1, total: 2, totalPages: 1 });
    expect(page.data.map((i: { importId: string; status: string }) => [i.importId, i.status])).toEqual([
      [failed, 'FAILED'],
      [ok, 'COMPLETED'],
    ]);

    const table = await cli(['imports']);
    expect(table).toMatchObject({ code: 0 });
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+STATUS\s+ROWS\s+REJECTED\s+CREATED\s+FILE$/);
    expect(lines[1]).toMatch(new RegExp(`^${failed}\\s+transactions\\s+FAILED\\s+0\\s+12\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\s+failed\\.csv$`));
    expect(lines[2]).toMatch(new RegExp(`^${ok}\\s+transactions\\s+COMPLETED\\s+4\\s+8\\s+.+ok\\.csv$`));
    expect(lines[3]).toBe('page 1 of 1, 2 imports');

    const filtered = JSON.parse((await cli(['imports', '--status', 'completed', '--json'])).stdout);
    expect(filtered.data.map((i: { importId: string }) => i.importId)).toEqual([ok]);
    const paged = await cli(['imports', '--page-size', '1', '--page', '2']);
    expect(paged.stdout).toContain(ok);
    expect(paged.stdout).not.toContain(failed);
    expect(paged.stdout.trim().split('\n').pop()).toBe('page 2 of 2, 2 imports');
  });

  it('should upload JSON and NDJSON files with their content types, print the final JSON and return at once with --no-wait', async () => {
    const { key, cli } = await orgCli();
    const objects = csvToObjects(readFileSync(fixture('ok/transactions-sample-1000.csv'))).slice(0, 30);
    const jsonFile = path.join(tmp, 'tx.json');
    const ndjsonFile = path.join(tmp, 'tx.ndjson');
    await fs.writeFile(jsonFile, toJsonArray(objects.slice(0, 20)));
    await fs.writeFile(ndjsonFile, toNdjson(objects.slice(20)));

    const json = await cli(['import', jsonFile, '--kind', 'transactions', '--json', '--quiet']);
    expect(json).toMatchObject({ code: 0, stderr: '' });
    const final = JSON.parse(json.stdout);
    expect(final).toMatchObject({
      status: 'COMPLETED',
      format: 'json-array',
      fileName: 'tx.json',
      progress: { rowsLoaded: 20, rowsRejected: 0 },
    });
    expect(final).toEqual(await getImport(key, final.importId));

    const queued = await cli(['import', ndjsonFile, '--kind', 'transactions', '--no-wait']);
    expect(queued).toMatchObject({ code: 0 });
    expect(queued.stdout).toMatch(new RegExp(`^import ${UUID} (QUEUED|PROCESSING|COMPLETED) `));
    const done = await waitForImport(t, key, importIdOf(queued.stdout));
    expect(done).toMatchObject({
      status: 'COMPLETED',
      format: 'ndjson',
      progress: { rowsLoaded: 10 },
    });
  });

  it('should create a report, wait for it and stream it to the file -o names, as XLSX and as CSV', async () => {
    const { key, cli } = await orgCli();
    const loaded = (await uploadRaw(t, key, 'transactions', readFileSync(MIXED), 'rejectThreshold=0.9').expect(202)).body.importId;
    await waitForImport(t, key, loaded);
    await fs.mkdir(path.join(tmp, 'out'), { recursive: true });

    const xlsxFile = path.join(tmp, 'out', 'rows.xlsx');
    const xlsx = await cli(['report', 'transactions.rows', '--format', 'xlsx', '-o', 'out/rows.xlsx']);
    expect(xlsx).toMatchObject({ code: 0 });
    expect(xlsx.stdout).toMatch(new RegExp(`^report ${UUID} COMPLETED: transactions.rows as xlsx \\(4 rows, .+\\) saved to ${xlsxFile.replace(/[.]/g, '\\.')}\\n$`));
    const rows = await xlsxRows(xlsxFile);
    expect(rows[0].slice(0, 5)).toEqual(['transaction_id', 'merchant_id', 'zone', 'category', 'amount']);
    expect(
      rows
        .slice(1)
        .map((r) => r[0])
        .sort(),
    ).toEqual(['TXN_1', 'TXN_10', 'TXN_11', 'TXN_2']);
    expect(rows.find((r) => r[0] === 'TXN_1')?.[4]).toBe(1234.5);
    await expect(fs.readdir(path.join(tmp, 'out'))).resolves.toEqual(['rows.xlsx']);

    // The format follows the file's extension; an answer source, checked against its GET route.
    const csv = await cli(['report', 'transactions.zone-leaderboard', '-o', 'leaders.csv', '-p', 'limit=2']);
    expect(csv).toMatchObject({ code: 0 });
    const answer = (await request(t.http).get('/api/v1/analytics/zone-leaderboard?limit=2').set('X-API-Key', key).expect(200)).body;
    const lines = (await fs.readFile(path.join(tmp, 'leaders.csv'), 'utf8')).trimEnd().split('\n');
    const zones = answer.data;
    expect(lines).toHaveLength(zones.length + 1);
    expect(lines[1]).toContain(zones[0].zone);
    expect(zones.map((z: { zone: string }) => z.zone)).toEqual(['NORTH', 'DOWNTOWN']);

    const unknown = await cli(['report', 'no.such-source', '-o', 'x.csv']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/^analytics: .*no\.such-source.* \(400 UNKNOWN_REPORT_SOURCE\)/);
  });

  it('should explain itself with --help and refuse an unknown command or option', async () => {
    const help = await runCli(['--help'], {}, tmp);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    for (const command of ['import', 'imports', 'report', 'ANALYTICS_URL', 'ANALYTICS_API_KEY']) {
      expect(help.stdout).toContain(command);
    }
    const importHelp = await runCli(['import', '--help'], {}, tmp);
    expect(importHelp).toMatchObject({ code: 0 });
    expect(importHelp.stdout).toContain('--kind KIND');
    const unknown = await runCli(['expor'], {}, tmp);
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toMatch(/^analytics: unknown command 'expor'/);
    const badOption = await runCli(['imports', '--colour'], { ANALYTICS_API_KEY: 'x' }, tmp);
    expect(badOption).toMatchObject({ code: 2 });
    expect(badOption.stderr).toContain("Unknown option '--colour'");
  });

  it('should stream a large file from disk: its memory stays well below the size of the file', async () => {
    const { key } = await orgCli();
    const big = path.join(tmp, 'big.csv');
    const sizeBytes = await writeTransactionsCsv(big, 2_200_000);
    expect(sizeBytes).toBeGreaterThan(140 << 20);
    let sampler: { stop(): number } | null = null;
    const run = await runCli(['import', big, '--kind', 'transactions', '--no-wait', '--json'], { ANALYTICS_URL: url, ANALYTICS_API_KEY: key }, tmp, (child) => {
      sampler = peakRssSampler(child.pid!);
    });
    const peakBytes = sampler!.stop();
    await fs.rm(big, { force: true });
    expect(run).toMatchObject({ code: 0 });
    const created = JSON.parse(run.stdout);
    expect(created).toMatchObject({ sizeBytes, fileName: 'big.csv' });
    // About 85 MB measured (50 MB of it Node itself), whatever the size: a copy of the file would be 150 MB more.
    expect(peakBytes).toBeGreaterThan(20 << 20);
    expect(peakBytes).toBeLessThan(130 << 20);
    await request(t.http).delete(`/api/v1/imports/${created.importId}`).set('X-API-Key', key).expect(200);
  });
});
