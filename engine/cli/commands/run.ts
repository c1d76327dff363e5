import type { Command } from '../main.ts';
import { defaultDbPath } from '../../store/store.ts';
import { serverSettings } from '../../server/listen.ts';

export const runCommand: Command = {
  summary: 'the main job: sample data if missing → imports → scores → LiDAR detection → serve the app (npm start)',
  usage:
    'vigie run [--port 8080] [--host 127.0.0.1] [--db FILE]   (PORT, HOST, VIGIE_DB, VIGIE_CACHE, VIGIE_STYLE_URL)\n' +
    '  --real DIR   all of France from the real published files (../shared/realdata): see pipelines/real/national.ts',
  options: { port: { type: 'string' }, host: { type: 'string' }, real: { type: 'string' } },
  async run({ values }) {
    if (typeof values.real === 'string') {
      const { runRealJob } = await import('../../../pipelines/real/national.ts');
      await runRealJob({ dir: values.real, db: (values.db as string | undefined) ?? defaultDbPath(), server: serverSettings(values) });
      return new Promise<number>(() => {}); // serve until killed
    }
    const { runMainJob } = await import('../../../pipelines/run.ts');
    await runMainJob({ db: (values.db as string | undefined) ?? defaultDbPath(), server: serverSettings(values) });
    return new Promise<number>(() => {}); // serve until killed
  },
};
