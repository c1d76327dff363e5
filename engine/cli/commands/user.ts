/**
 * `vigie user add|list|passwd`: accounts of the review app. Opens the database itself, so the
 * server must be stopped (DuckDB has one writing process; the lock error says who holds it).
 * Passwords come from a hidden prompt or, with --password-stdin, from standard input; never
 * from the command line, never echoed.
 */
import { InputError, NotFoundError } from '../../errors.ts';
import { defaultDbPath, Store } from '../../store/store.ts';
import { createUser, getUser, listUsers, updateUser } from '../../auth/users.ts';
import type { Command } from '../main.ts';

const USAGE = `vigie user add <username> --role admin|lecteur|relecteur_monuments|relecteur_detections [--role …] [--password-stdin]
       vigie user list
       vigie user passwd <username> [--password-stdin]`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(label: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new InputError('no terminal to prompt for the password: use --password-stdin');
  process.stderr.write(label);
  return new Promise((ok, fail) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) fail(err); else ok(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new InputError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

async function askPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readStdin();
  const a = await promptHidden('Mot de passe : ');
  const b = await promptHidden('Confirmez le mot de passe : ');
  if (a !== b) throw new InputError('the two passwords differ; nothing was changed');
  return a;
}

export const userCommand: Command = {
  summary: 'manage review app accounts (add, list, passwd)',
  usage: USAGE,
  options: { role: { type: 'string', multiple: true }, 'password-stdin': { type: 'boolean' } },
  async run({ values, positionals }) {
    const [action, username, ...extra] = positionals;
    const v = values as Record<string, unknown>;
    const roles = (v.role as string[] | undefined) ?? [];
    const fromStdin = Boolean(v['password-stdin']);
    if (extra.length) throw new InputError(`unexpected arguments ${extra.join(' ')}\nUsage: ${USAGE}`);
    const open = () => Store.open((v.db as string | undefined) ?? defaultDbPath());
    if (action === 'list') {
      const store = await open();
      try {
        const users = await listUsers(store);
        if (users.length === 0) console.log('no accounts yet: vigie user add <username> --role admin');
        for (const u of users) console.log(`${u.username.padEnd(24)} ${u.roles.join(',')}${u.disabled ? ' (désactivé)' : ''}`);
      } finally {
        store.close();
      }
      return 0;
    }
    if (action !== 'add' && action !== 'passwd') throw new InputError(`unknown action ${JSON.stringify(action ?? '')}\nUsage: ${USAGE}`);
    if (!username) throw new InputError(`missing <username>\nUsage: ${USAGE}`);
    if (action === 'add' && roles.length === 0) throw new InputError(`missing --role (admin, lecteur, relecteur_monuments, relecteur_detections)\nUsage: ${USAGE}`);
    const password = await askPassword(fromStdin);
    const store = await open();
    try {
      if (action === 'add') {
        const u = await createUser(store, 'cli', { username, password, roles });
        console.log(`account ${u.username} created with role(s) ${u.roles.join(', ')}`);
      } else {
        if (!(await getUser(store, username))) throw new NotFoundError(`no account ${JSON.stringify(username)} (vigie user list shows them)`);
        await updateUser(store, 'cli', username, { password });
        console.log(`password of ${username} changed; open sessions were closed`);
      }
    } finally {
      store.close();
    }
    return 0;
  },
};
