/**
 * A throw-away Redis for tests and benchmarks: Debian's `redis-server` on a free loopback port,
 * its files in a folder of ours, with or without the append-only file (AOF). Production Redis is
 * started as deploy/README.md says, not by this.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';

/** Path of redis-server, or null when it is not installed. */
export function redisServerPath(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/**
 * redis-server, installed with apt-get (under the team's apt lock) when missing and this user
 * may; null with the reason when it cannot be had.
 */
export function ensureRedisServer(): { path: string | null; reason?: string } {
  const found = redisServerPath();
  if (found) return { path: found };
  try {
    const sudo = process.getuid?.() === 0 ? '' : 'sudo -n ';
    execFileSync('sh', ['-c', `flock /tmp/vigie-apt.lock sh -c '${sudo}apt-get install -y -qq --no-install-recommends redis-server'`], { stdio: 'ignore', timeout: 300_000 });
  } catch (err) {
    return { path: null, reason: `redis-server is not installed and apt-get install redis-server failed (${(err as Error).message.split('\n')[0]})` };
  }
  const p = redisServerPath();
  return p ? { path: p } : { path: null, reason: 'redis-server is not installed and could not be installed' };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

export interface LocalRedis {
  url: string;
  port: number;
  dir: string;
  readonly process: ChildProcess;
  /** SIGKILL (no save): what a crash does */
  kill(): Promise<void>;
  /** start again on the same port and folder (with the AOF, the data comes back) */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(opts: { dir: string; aof?: boolean; fsync?: 'always' | 'everysec'; port?: number; bin?: string }): Promise<LocalRedis> {
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const bin = opts.bin ?? 'redis-server';
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', opts.dir, '--save', '', '--daemonize', 'no',
    '--appendonly', opts.aof ? 'yes' : 'no', ...(opts.aof ? ['--appendfsync', opts.fsync ?? 'always'] : []),
    '--maxmemory-policy', 'noeviction',
  ];
  let proc: ChildProcess = await launch(bin, args);
  const self: LocalRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir: opts.dir,
    get process() {
      return proc;
    },
    async kill() {
      await exited(proc, 'SIGKILL');
    },
    async restart() {
      if (proc.exitCode === null && proc.signalCode === null) await exited(proc, 'SIGKILL');
      proc = await launch(bin, args);
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) await exited(proc, 'SIGTERM');
    },
  };
  return self;
}

function launch(bin: string, args: string[]): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`redis-server did not start within 10 s: ${log.slice(-500)}`));
    }, 10_000);
    p.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    p.stdout!.on('data', (b: Buffer) => {
      log += b.toString();
      if (/Ready to accept connections/.test(log)) {
        clearTimeout(timer);
        p.stdout!.removeAllListeners('data');
        p.stdout!.resume();
        resolve(p);
      }
    });
    p.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    p.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}) before it was ready: ${log.slice(-500)}`));
    });
  });
}

function exited(p: ChildProcess, sig: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill(sig);
  });
}
