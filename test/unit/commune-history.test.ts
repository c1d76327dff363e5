import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommunePlaces, OVERSEAS_COLLECTIVITY_TOWNS } from '../../engine/heritage/commune-places.ts';
import { RESTORED_COMMUNES, formerMembersOf, successorsOf } from '../../engine/heritage/commune-history.ts';
import { importLayer } from '../../engine/importers.ts';
import { Store } from '../../engine/store/store.ts';

// Facts checked by hand against the INSEE geographic code (« communes nouvelles » lists):
// Villemaur-sur-Vanne (10415) merged into Aix-Villemaur-Pâlis (10003) in 2016; Grand-Vabre
// (12114) into Conques-en-Rouergue in 2016, a commune created as 12076 whose code is 12218 today;
// Liergues (69114) and Pouilly-le-Monial (69159) formed Porte des Pierres Dorées in 2017, which
// took in Jarnioux (69101) in 2019 and carries the code 69114 today.
const place = (code: string, nom: string, departement: string) => ({ code, nom, departement, x: 700000, y: 6700000 });

describe('communes merged since (INSEE geographic code history)', () => {
  it('walks an old code to the commune that took it in', () => {
    expect(successorsOf('10415')).toEqual(['10003']);
    expect(successorsOf('12114')).toEqual(['12218']);
    expect(successorsOf('75056')).toEqual([]);
    expect(formerMembersOf('12218')).toEqual(expect.arrayContaining(['12076', '12114']));
  });

  it('places an old code at its successor, or at the one known code of the commune that took it in', () => {
    const places = CommunePlaces.of([place('10003', 'Aix-Villemaur-Pâlis', '10'), place('12076', 'Conques-en-Rouergue', '12')]);
    expect(places.resolve(['10415'], 'Villemaur-sur-Vanne', '10')).toMatchObject({ how: 'merged', place: { code: '10003' } });
    expect(places.resolve(['12114'], 'Grand-Vabre', '12')).toMatchObject({ how: 'merged', place: { code: '12076' } });
  });

  it('among several communes that took the code in, takes the one that bore its present name, else none', () => {
    const named = CommunePlaces.of([place('69101', 'Jarnioux', '69'), place('69159', 'Porte des Pierres Dorées', '69')]);
    expect(named.resolve(['69114'], 'Liergues', '69')).toMatchObject({ how: 'merged', place: { code: '69159' } });
    const unnamed = CommunePlaces.of([place('69101', 'Jarnioux', '69'), place('69159', 'Pouilly-le-Monial', '69')]);
    expect(unnamed.resolve(['69114'], 'Liergues', '69')).toBeUndefined();
  });
});

describe('real communes file of 2018: communes nouvelles since left or enlarged', () => {
  const FIXTURE = join(import.meta.dirname, '../fixtures/real/admin/communes-merged-restored.geojson');
  // code → name, read from the file itself
  const inFile = new Map(
    (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { features: { properties: { code: string; nom: string } }[] }).features.map((f) => [
      f.properties.code,
      f.properties.nom,
    ]),
  );
  const cog = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@etalab/decoupage-administratif/data/communes.json'), 'utf8')) as {
    code: string;
    nom: string;
    type: string;
  }[];
  let store: Store;
  let places: CommunePlaces;
  beforeAll(async () => {
    store = await Store.open(':memory:');
    await importLayer(store, 'communes', FIXTURE);
    places = (await CommunePlaces.load(store))!;
  });
  afterAll(() => store.close());

  it('each restored commune is current in the COG, absent from the file, and its holder is there under the name given', () => {
    for (const r of RESTORED_COMMUNES) {
      expect(cog.find((c) => c.code === r.code && c.type === 'commune-actuelle')?.nom).toBe(r.nom);
      expect(inFile.has(r.code)).toBe(false);
      expect(inFile.get(r.heldBy)).toBe(r.heldByName);
    }
  });

  it('places the national Mérimée file’s restored, renamed and mistyped communes', () => {
    // Codes and names as the national POP file (pop-codes-national-2022) writes them (Sannerville: none there).
    expect(places.resolve(['15035'], 'Chalinargues', '15')).toMatchObject({ how: 'restored', place: { code: '15141' } });
    expect(places.resolve(['85212'], 'Sainte-Florence', '85')).toMatchObject({ how: 'restored', place: { code: '85084' } });
    expect(places.resolve(['14666'], 'Sannerville', '14')).toMatchObject({ how: 'restored', place: { code: '14712' } });
    expect(places.resolve(['69114'], 'Liergues', '69')).toMatchObject({ how: 'merged', place: { code: '69159' } });
    // 29000 is no commune code; the file names Le Conquet without its article.
    expect(places.resolve(['29000'], 'Conquet (Le)', '29')).toMatchObject({ how: 'name', place: { code: '29040' } });
    expect(places.resolve(['29000'], 'Plougonvelin', '29')).toBeUndefined();
  });

  it('places the overseas collectivities the files do not cover at their chef-lieu, by code or by name', () => {
    const gustavia = places.resolve(['97701'], 'Saint-Barthélemy', '971');
    expect(gustavia).toMatchObject({ how: 'town', place: { code: '97701' } });
    const [lon, lat] = places.lonLat(gustavia!.place);
    const town = OVERSEAS_COLLECTIVITY_TOWNS.find((t) => t.code === '97701')!;
    expect(lon).toBeCloseTo(town.lon, 6);
    expect(lat).toBeCloseTo(town.lat, 6);
    expect(places.resolve(['97500'], 'Saint-Pierre', '975')).toMatchObject({ how: 'name', place: { code: '97502' } });
    // A communes file that has the collectivity wins over the chef-lieu.
    const withFile = CommunePlaces.of([place('97701', 'Saint-Barthélemy', '977')]);
    expect(withFile.resolve(['97701'], null, null)).toMatchObject({ how: 'insee', place: { x: 700000 } });
    // No communes imported: nothing is placed at all.
    expect(CommunePlaces.of([]).resolve(['97701'], 'Saint-Barthélemy', '977')).toBeUndefined();
  });
});
