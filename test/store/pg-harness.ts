/**
 * Starts a real PostgreSQL server for the tests, from the installed binaries, and stops it after:
 * a temporary data folder, `initdb`, then `postgres` on a free port of 127.0.0.1 (its socket in
 * the temporary folder, fsync off), never the machine's own server. The server refuses to run as
 * root, so as root it runs as `nobody` (through setpriv, or runuser). Each test then asks for a
 * fresh database (`createDatabase`), as graphile-worker's tests do.
 *
 * No binaries installed = a clear error (tests fail, never skip): install Debian's `postgresql`
 * (.ci/run does), or point KAIROS_PG_BINDIR at a folder holding `initdb` and `postgres`.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface PgServer {
  readonly port: number;
  /** The superuser's name (the server's own, not the machine's). */
  readonly user: string;
  /** Connection string of a database as the superuser (default: 'postgres'). */
  url(database?: string, as?: { user: string; password: string }): string;
  /** Creates an empty database and returns its name. */
  createDatabase(): Promise<string>;
  /** Runs SQL as the superuser in `database` (default 'postgres'). */
  sql(text: string, database?: string): Promise<pg.QueryResult>;
  stop(): Promise<void>;
}

/** Folder holding `initdb` and `postgres`, highest version first; null when none is installed. */
export function findPgBinDir(): string | null {
  const has = (d: string) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres'));
  const env = process.env.KAIROS_PG_BINDIR;
  if (env) return has(env) ? env : null;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => has(join(root, v, 'bin'))).sort((a, b) => Number(b) - Number(a));
    if (versions.length > 0) return join(root, versions[0]!, 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (has(dir)) return dir;
  } catch {
    // no pg_config either
  }
  return null;
}

/** How to run a server binary: directly, or as `nobody` when we are root. */
function runAs(): { wrap: (cmd: string, args: string[]) => [string, string[]]; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const user = 'nobody';
  const id = (flag: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
  const uid = id('-u');
  const gid = id('-g');
  const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find(existsSync);
  if (setpriv) {
    // setpriv execs the command itself: the child's pid is the server's, signals go straight to it.
    return { uid, gid, wrap: (cmd, args) => [setpriv, [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', cmd, ...args]] };
  }
  return { uid, gid, wrap: (cmd, args) => ['runuser', ['-u', user, '--', cmd, ...args]] };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPostgres(): Promise<PgServer> {
  const bin = findPgBinDir();
  if (bin === null) {
    throw new Error(
      'PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and `pg_config --bindir`). ' +
        "The PostgreSQL store tests need them: install Debian's `postgresql` package (apt-get install postgresql; .ci/run does it) " +
        'or set KAIROS_PG_BINDIR to a folder holding initdb and postgres.',
    );
  }
  const as = runAs();
  const wrap = (cmd: string, args: string[]): [string, string[]] => (as ? as.wrap(cmd, args) : [cmd, args]);
  const dir = mkdtempSync(join(tmpdir(), 'kairos-pg-'));
  if (as) chownSync(dir, as.uid, as.gid);
  const user = 'kairos';
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (as) chownSync(pwfile, as.uid, as.gid);
  const data = join(dir, 'data');
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  try {
    const [cmd, args] = wrap(join(bin, 'initdb'), [
      '-D', data, '-U', user, `--pwfile=${pwfile}`, '--auth-local=trust', '--auth-host=scram-sha-256',
      '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions',
    ]);
    execFileSync(cmd, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    const err = e as { stderr?: Buffer; message: string };
    throw new Error(`initdb failed: ${err.stderr?.toString() || err.message}`);
  }

  let lastError = '';
  for (let tries = 0; tries < 3; tries++) {
    const port = await freePort();
    const [cmd, args] = wrap(join(bin, 'postgres'), [
      '-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_permissions=0700',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100',
    ]);
    const child = spawn(cmd, args, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (d: Buffer) => void (log = (log + d.toString()).slice(-4000)));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const server = await waitReady(child, exited, port, user, password);
    if (server) return makeServer(child, exited, dir, data, port, user, password);
    lastError = log;
    if (!/could not bind|Address already in use/i.test(log)) break; // not a port race: give up
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`postgres did not start:\n${lastError}`);
}

/** Polls until the server accepts a connection (true), or it exits or 30 s pass (false, stopped). */
async function waitReady(child: ChildProcess, exited: Promise<void>, port: number, user: string, password: string): Promise<boolean> {
  let dead = false;
  void exited.then(() => (dead = true));
  const until = Date.now() + 30_000;
  while (!dead && Date.now() < until) {
    const c = new pg.Client({ host: '127.0.0.1', port, user, password, database: 'postgres' });
    try {
      await c.connect();
      await c.end();
      return true;
    } catch {
      await c.end().catch(() => undefined);
      await sleep(50);
    }
  }
  if (!dead) child.kill('SIGQUIT');
  await exited;
  return false;
}

function makeServer(child: ChildProcess, exited: Promise<void>, dir: string, data: string, port: number, user: string, password: string): PgServer {
  // If the test process ends without stop() (a crash), take the server down with it.
  const onExit = () => void signalServer('SIGQUIT');
  process.once('exit', onExit);
  function signalServer(sig: NodeJS.Signals): void {
    // The postmaster's pid is the first line of postmaster.pid (the child may be a wrapper).
    try {
      process.kill(Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]), sig);
    } catch {
      child.kill(sig);
    }
  }
  let admin: pg.Client | null = null;
  let dbs = 0;
  const url = (database = 'postgres', as = { user, password }) =>
    `postgres://${encodeURIComponent(as.user)}:${encodeURIComponent(as.password)}@127.0.0.1:${port}/${database}`;
  const sql = async (text: string, database = 'postgres') => {
    if (database !== 'postgres') {
      const c = new pg.Client({ connectionString: url(database) });
      await c.connect();
      try {
        return await c.query(text);
      } finally {
        await c.end();
      }
    }
    if (admin === null) {
      admin = new pg.Client({ connectionString: url() });
      await admin.connect();
    }
    return admin.query(text);
  };
  return {
    port,
    user,
    url,
    sql,
    async createDatabase() {
      const name = `t${process.pid}_${++dbs}`;
      await sql(`CREATE DATABASE ${name}`);
      return name;
    },
    async stop() {
      process.removeListener('exit', onExit);
      await (admin as pg.Client | null)?.end().catch(() => undefined);
      signalServer('SIGINT'); // fast shutdown: disconnects clients, then exits
      const timer = setTimeout(() => signalServer('SIGQUIT'), 10_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
