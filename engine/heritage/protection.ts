/**
 * Protection level of a historic monument from what Mérimée publishes, in this order:
 *
 * 1. the typology column (`Typologie_de_la_protection`, legacy `PROT`): "classé MH",
 *    "inscrit MH partiellement", "classé MH partiellement ; inscrit MH", any case or accents;
 * 2. else the dated statuses (`Date_et_typologie_de_la_protection`, open-data « Date de
 *    protection », legacy `DPRO`): "1930/01/06 : inscrit MH ; 1985/05/10 : classé MH";
 * 3. else the protection text (« Précision protection », `PPRO`): "… : inscription par arrêté
 *    du 9 mai 1988", "classement par arrêté …"; a text saying the protection was lifted
 *    (« radié », « déclassé ») gives no protection.
 *
 * Dated statuses are read in date order and a later one supersedes an earlier one:
 * - a later total classement supersedes earlier inscriptions (the building went up a level);
 * - a later status of the same level replaces the earlier one, « partiellement » included
 *   ("classé MH partiellement" then "classé MH" is a total classement);
 * - a later inscription does not undo a classement (only a déclassement does, and an
 *   inscription can only cover other parts): the result is classé + inscrit;
 * - "déclassé MH" removes the classement.
 * « partiellement » is kept: partielle is true when a retained status is partial.
 */
export type Protection = 'classe' | 'inscrit' | 'classe_inscrit' | 'inconnue';

export interface ProtectionInfo {
  protection: Protection;
  /**
   * True when any listed protection is partial: "classé MH partiellement ; inscrit MH" is
   * classe_inscrit and partielle, because part of the building is not under the higher level.
   */
  partielle: boolean;
}

/** Where the protection was read from, for the report. */
export type ProtectionSource = 'typologie' | 'dates' | 'precision';

function fold(text: string | null | undefined): string {
  return (text ?? '')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

export function parseProtection(text: string | null | undefined): ProtectionInfo {
  const t = fold(text);
  // \b keeps "déclassé" (a lifted protection) from reading as classé.
  const classe = /\bclass/.test(t);
  const inscrit = /\binscri/.test(t);
  const protection: Protection = classe && inscrit ? 'classe_inscrit' : classe ? 'classe' : inscrit ? 'inscrit' : 'inconnue';
  return { protection, partielle: protection !== 'inconnue' && /partiel/.test(t) };
}

interface DatedStatus {
  /** YYYY/MM/DD as written, '' when undated */
  date: string;
  level: 'classe' | 'inscrit' | 'declasse';
  partial: boolean;
  order: number;
}

const DATE = /(\d{4})\s*\/+\s*(\d{1,2})?\s*\/*\s*(\d{1,2})?/;

/** The statuses of a dated-status text, in the order written. */
export function datedStatuses(text: string | null | undefined): DatedStatus[] {
  const t = fold(text);
  if (!t.trim()) return [];
  const out: DatedStatus[] = [];
  // Entries are separated by ";" (and, in a few legacy rows, by " . " or ":" between a status
  // and the next date): cut before each date, and on ";".
  const parts = t.split(/\s*;\s*|(?<=mh|m\.h\.|partiellement)\s*[.:]?\s*(?=\d{4}\s*\/)/);
  for (const part of parts) {
    const statuses = part.split(/(?<=mh|m\.h\.|partiellement)\s*:\s*(?=[a-z])/);
    const m = DATE.exec(part);
    const date = m ? `${m[1]}/${(m[2] ?? '00').padStart(2, '0')}/${(m[3] ?? '00').padStart(2, '0')}` : '';
    for (const s of statuses) {
      const level = /\bdeclass/.test(s) ? 'declasse' : /\bclass/.test(s) ? 'classe' : /\binscri/.test(s) ? 'inscrit' : undefined;
      if (level) out.push({ date, level, partial: /partiel/.test(s), order: out.length });
    }
  }
  return out;
}

/** Protection from dated statuses, a later status superseding an earlier one (see the module comment). */
export function parseDatedProtection(text: string | null | undefined): ProtectionInfo {
  const statuses = datedStatuses(text).sort((a, b) => (a.date && b.date ? a.date.localeCompare(b.date) : 0) || a.order - b.order);
  let classe: DatedStatus | undefined;
  let inscrit: DatedStatus | undefined;
  for (const s of statuses) {
    if (s.level === 'declasse') classe = undefined;
    else if (s.level === 'classe') {
      // A total classement absorbs inscriptions made strictly before it.
      if (!s.partial && inscrit && inscrit.date && s.date && inscrit.date < s.date) inscrit = undefined;
      classe = s;
    } else inscrit = s;
  }
  const protection: Protection = classe && inscrit ? 'classe_inscrit' : classe ? 'classe' : inscrit ? 'inscrit' : 'inconnue';
  return { protection, partielle: Boolean(classe?.partial || inscrit?.partial) };
}

const MONTHS = ['janvier', 'fevrier', 'mars', 'avril', 'mai', 'juin', 'juillet', 'aout', 'septembre', 'octobre', 'novembre', 'decembre'];
const DECISION = new RegExp(`\\b(classement|inscription)\\b[^;]*?\\b(\\d{1,2})(?:er)?\\s+(${MONTHS.join('|')})\\s+(\\d{4})`, 'g');

/**
 * Protection from the text of the decision (« … : inscription par arrêté du 9 mai 1988 »).
 * Decisions with a date are read like dated statuses, the later superseding the earlier
 * (« inscription par arrêté du 5 octobre 2021 ; … classement par décret du 4 février 2022 » is
 * classé); a text saying a protection was lifted (radié, déclassé, abrogé) gives no protection.
 */
export function parsePrecisionProtection(text: string | null | undefined): ProtectionInfo {
  const t = fold(text);
  if (/\bradie|\bdeclass|\babrog/.test(t)) return { protection: 'inconnue', partielle: false };
  const dated = [...t.matchAll(DECISION)].map(
    (m) => `${m[4]}/${String(MONTHS.indexOf(m[3]) + 1).padStart(2, '0')}/${m[2].padStart(2, '0')} : ${m[1] === 'classement' ? 'classé' : 'inscrit'} MH`,
  );
  if (dated.length) return parseDatedProtection(dated.join(' ; '));
  const classe = /\bclassement\b|\bclasse(e|s|es)?\s+(mh|monument|au titre|par)/.test(t);
  const inscrit = /\binscription\b|\binscrit(e|s|es)?\s+(mh|monument|au titre|par|a l)/.test(t);
  const protection: Protection = classe && inscrit ? 'classe_inscrit' : classe ? 'classe' : inscrit ? 'inscrit' : 'inconnue';
  return { protection, partielle: false };
}

/** The first source that gives a known protection, in the module comment's order. */
export function protectionOf(fields: {
  typologie?: string | null;
  dates?: string | null;
  precision?: string | null;
}): ProtectionInfo & { source: ProtectionSource | null } {
  const a = parseProtection(fields.typologie);
  if (a.protection !== 'inconnue') return { ...a, source: 'typologie' };
  const b = parseDatedProtection(fields.dates);
  if (b.protection !== 'inconnue') return { ...b, source: 'dates' };
  const c = parsePrecisionProtection(fields.precision);
  if (c.protection !== 'inconnue') return { ...c, source: 'precision' };
  return { protection: 'inconnue', partielle: false, source: null };
}
