import type { Command } from '../main.ts';
import { defaultDbPath, Store } from '../../store/store.ts';
import { listen, serverSettings } from '../../server/listen.ts';

export const serveCommand: Command = {
  summary: 'serve the API and the web app over an existing database',
  usage: 'vigie serve [--port 8080] [--host 127.0.0.1] [--db FILE]   (PORT, HOST, VIGIE_STYLE_URL)',
  options: { port: { type: 'string' }, host: { type: 'string' } },
  async run({ values }) {
    const settings = serverSettings(values);
    const store = await Store.open((values.db as string | undefined) ?? defaultDbPath());
    await listen(store, settings);
    return new Promise<number>(() => {}); // serve until killed
  },
};
