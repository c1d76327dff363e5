/**
 * Request validation with zod, turned into one French 400 message naming the field, the value
 * received and what was expected.
 */
import { z } from 'zod';
import { InputError, show } from '../errors.ts';

const TYPE_FR: Record<string, string> = {
  string: 'une chaîne', number: 'un nombre', int: 'un entier', boolean: 'un booléen', object: 'un objet', array: 'une liste', null: 'null',
};

function issueFr(i: z.core.$ZodIssue, where: string): string {
  const field = i.path.length ? `champ « ${i.path.join('.')} »` : where;
  const input = (i as { input?: unknown }).input;
  const got = typeof input === 'string' || typeof input === 'number' ? `${show(input)} ` : '';
  switch (i.code) {
    case 'invalid_type': {
      const got = (i as { input?: unknown }).input;
      return `${field} : ${TYPE_FR[i.expected] ?? i.expected} attendu${got === undefined ? ' (absent)' : ''}`;
    }
    case 'invalid_value':
      return `${field} : valeur ${got}non permise, attendu ${i.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `${where} : champ${i.keys.length > 1 ? 's' : ''} inconnu${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `« ${k} »`).join(', ')}`;
    case 'too_big':
      return `${field} : trop ${i.origin === 'string' ? 'long' : 'grand'} (maximum ${String(i.maximum)})`;
    case 'too_small':
      return `${field} : trop ${i.origin === 'string' ? 'court' : 'petit'} (minimum ${String(i.minimum)})`;
    case 'invalid_format':
      return `${field} : format ${got ? `de ${got}` : ''}invalide`;
    default:
      return `${field} : valeur invalide`;
  }
}

/** Parses `value` or throws an InputError (400) in French. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown, where = 'corps de la requête'): z.infer<T> {
  // reportInput: the issues carry the bad value, which the message quotes
  const r = schema.safeParse(value, { reportInput: true } as Parameters<T['safeParse']>[1]);
  if (r.success) return r.data;
  const lines = r.error.issues.slice(0, 3).map((i) => issueFr(i, where));
  throw new InputError(`Requête invalide : ${lines.join(' ; ')}.`);
}
