/**
 * The open-data portal's other downloads of Mérimée and of the museums, GeoJSON and JSON, hold the same records as its
 * CSV under the fields' names (the labels slugified) with the position as a Point geometry or a
 * geo point `{lon, lat}`. Built here from the real CSV extract with csv-parse (not Vigie's reader),
 * then imported: every monument must come out as the CSV import gives it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../engine/errors.ts';
import { importLayer } from '../../engine/importers.ts';
import '../../engine/hazards/register.ts';
import { Store } from '../../engine/store/store.ts';

const OD = 'test/fixtures/real/merimee/opendata-labels-67-2022-extract.csv';
const LISTE = 'test/fixtures/real/museums/liste-et-localisation-des-musees-de-france-2024-extract.csv';
const dir = mkdtempSync(join(tmpdir(), 'vigie-merimee-json-'));
const stores: Store[] = [];
afterAll(() => stores.forEach((s) => s.close()));

const records = parse(readFileSync(OD), { delimiter: ';', columns: true, bom: true }) as Record<string, string>[];
const slug = (label: string) =>
  label
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
const POSITION = ['Longitude', 'Latitude', 'coordonnees'];
const fields = (r: Record<string, string>) =>
  Object.fromEntries(Object.entries(r).filter(([k]) => !POSITION.includes(k)).map(([k, v]) => [slug(k), v === '' ? null : v]));
const hasPoint = (r: Record<string, string>) => r.Longitude !== '' && r.Latitude !== '';

async function imported(file: string, kind = 'merimee'): Promise<{ report: Awaited<ReturnType<typeof importLayer>>; rows: unknown[] }> {
  const store = await Store.open(':memory:');
  stores.push(store);
  const report = await importLayer(store, kind, file);
  const rows = await store.all(
    kind === 'merimee'
      ? `SELECT reference, protection, partielle, commune, insee, round(lon, 7) AS lon, round(lat, 7) AS lat, position_quality
           FROM monuments ORDER BY reference`
      : // `layer` is named after the file
        `SELECT * EXCLUDE (catalogue_id, layer) FROM heritage_sites ORDER BY site_id`,
  );
  return { report, rows };
}

describe('Mérimée from the open-data portal as GeoJSON and JSON', () => {
  it('gives the monuments the CSV gives: references, protections, communes and positions', async () => {
    const geojson = join(dir, 'liste-des-immeubles-proteges.geojson');
    writeFileSync(
      geojson,
      JSON.stringify({
        type: 'FeatureCollection',
        features: records.map((r) => ({
          type: 'Feature',
          geometry: hasPoint(r) ? { type: 'Point', coordinates: [Number(r.Longitude), Number(r.Latitude)] } : null,
          properties: fields(r),
        })),
      }),
    );
    const json = join(dir, 'liste-des-immeubles-proteges.json');
    // Pretty-printed, one field per line, as the portal's JSON export.
    writeFileSync(
      json,
      JSON.stringify(
        records.map((r) => ({ ...fields(r), coordonnees: hasPoint(r) ? { lon: Number(r.Longitude), lat: Number(r.Latitude) } : null })),
        null,
        2,
      ),
    );
    const csv = await imported(OD);
    expect(csv.report.rowsRead).toBe(records.length);
    expect(csv.report.positioned).toBeGreaterThan(100);
    for (const file of [geojson, json]) {
      const other = await imported(file);
      expect({ file, rowsRead: other.report.rowsRead, kept: other.report.kept, positioned: other.report.positioned }).toEqual({
        file,
        rowsRead: csv.report.rowsRead,
        kept: csv.report.kept,
        positioned: csv.report.positioned,
      });
      expect(other.rows).toEqual(csv.rows);
    }
  });

  it('museums: the portal\'s GeoJSON of « Liste et localisation des musées de France » gives what its CSV gives', async () => {
    const museums = parse(readFileSync(LISTE), { delimiter: ';', columns: true, bom: true }) as Record<string, string>[];
    const file = join(dir, 'liste-et-localisation-des-musees-de-france.geojson');
    writeFileSync(
      file,
      JSON.stringify({
        type: 'FeatureCollection',
        features: museums.map(({ latitude, longitude, geolocalisation, ...rest }) => ({
          type: 'Feature',
          geometry: latitude && longitude ? { type: 'Point', coordinates: [Number(longitude), Number(latitude)] } : null,
          properties: Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, v === '' ? null : v])),
        })),
      }),
    );
    const csv = await imported(LISTE, 'museums');
    const other = await imported(file, 'museums');
    expect(csv.report.rowsRead).toBe(museums.length);
    expect([other.report.rowsRead, other.report.kept, other.report.positioned]).toEqual([csv.report.rowsRead, csv.report.kept, csv.report.positioned]);
    expect(other.rows).toEqual(csv.rows);
  });

  it('names the line where a bad record starts in a pretty-printed file', async () => {
    const file = join(dir, 'bad.json');
    const good = fields(records[0]);
    writeFileSync(file, JSON.stringify([{ ...good, coordonnees: { lon: 7.5, lat: 48.3 } }, { ...good, reference: 'PA123', coordonnees: { lon: 7.5, lat: 48.3 } }], null, 2));
    const lines = readFileSync(file, 'utf8').split('\n');
    const second = lines.findIndex((l, i) => i > 1 && l === '  {') + 1; // 1-based line of the second record
    const { report } = await imported(file);
    const issue = report.issues.find((i) => i.value === 'PA123');
    expect(issue?.line).toBe(second);
    expect(issue?.message).toContain(`bad.json record 2 (line ${second}), reference: "PA123"`);
  });

  it('refuses JSON that holds no records, saying what it found', async () => {
    const file = join(dir, 'not-records.json');
    writeFileSync(file, JSON.stringify({ dataset: 'liste-des-immeubles', total_count: 0 }));
    const store = await Store.open(':memory:');
    stores.push(store);
    const error = await importLayer(store, 'merimee', file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(String((error as Error).message)).toMatch(/not-records\.json: JSON with no records \(found "dataset, total_count"/);
    expect(await store.value('SELECT count(*)::INTEGER FROM monuments')).toBe(0);
  });
});
