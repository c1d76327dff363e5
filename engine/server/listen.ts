/**
 * Starts the HTTP server on a port, turning "address in use" into a clear error, and closes
 * the database cleanly on SIGINT/SIGTERM.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import { WARM_UP_URLS, createServer } from './server.ts';

export interface ServerSettings {
  port: number;
  host: string;
  webRoot: string;
  styleUrl: string | null;
}

export function serverSettings(values: Record<string, unknown>): ServerSettings {
  const rawPort = (values.port as string | undefined) ?? process.env.PORT ?? '8080';
  const port = Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InputError(`--port / PORT: ${JSON.stringify(rawPort)} is not a port number (expected 0–65535)`);
  }
  return {
    port,
    host: (values.host as string | undefined) ?? process.env.HOST ?? '127.0.0.1',
    webRoot: resolve(process.env.VIGIE_WEB_ROOT ?? 'dist/web'),
    styleUrl: process.env.VIGIE_STYLE_URL || null,
  };
}

/** Fails fast, before long preparation steps, when the port is taken. */
export async function assertPortFree(s: ServerSettings): Promise<void> {
  if (s.port === 0) return;
  const { createServer: createNetServer } = await import('node:net');
  await new Promise<void>((ok, fail) => {
    const probe = createNetServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        err.code === 'EADDRINUSE'
          ? new InputError(
              `port ${s.port} on ${s.host} is already in use (another Vigie or another program?): stop it or choose another port with --port or PORT`,
              { cause: err },
            )
          : new InputError(`cannot listen on ${s.host}:${s.port} (${err.code}): check --host / HOST and --port / PORT`, { cause: err }),
      ),
    );
    probe.listen({ port: s.port, host: s.host }, () => probe.close(() => ok()));
  });
}

export async function listen(store: Store, s: ServerSettings): Promise<string> {
  if (!existsSync(resolve(s.webRoot, 'index.html'))) {
    console.error(`warning: no built web app in ${s.webRoot} (run \`npm run build\`); serving the API only`);
  }
  const app = await createServer({ store, webRoot: s.webRoot, styleUrl: s.styleUrl });
  try {
    await app.listen({ port: s.port, host: s.host });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new InputError(
        `port ${s.port} on ${s.host} is already in use (another Vigie or another program?): stop it or choose another port with --port or PORT`,
        { cause: err },
      );
    }
    if (code === 'EADDRNOTAVAIL' || code === 'EACCES') {
      throw new InputError(`cannot listen on ${s.host}:${s.port} (${code}): check --host / HOST and --port / PORT`, { cause: err });
    }
    throw err;
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : s.port;
  const url = `http://${s.host.includes(':') ? `[${s.host}]` : s.host}:${port}`;
  const stop = async () => {
    await app.close();
    store.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(`Vigie is serving at ${url}`);
  // Build the big cached answers now rather than on the first visitor's map; errors show up on
  // the real request, not here.
  void (async () => {
    for (const u of WARM_UP_URLS) await app.inject({ url: u }).catch(() => undefined);
  })();
  return url;
}
