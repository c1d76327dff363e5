/**
 * A tiny hand-checkable world for the risk golden test: two square communes, five monuments,
 * one archaeological site, one museum, and one layer of each kind (TRI zones, RGA clay zones
 * with a placeholder, seismic by commune, DRIAS heat points, an eroding coast line, a flood-depth
 * raster). Every number here is chosen so the expected levels can be worked out by hand
 * (see golden README lines in scores.json).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeGeoTiff } from '../../../engine/geo/geotiff-write.ts';
import { grid } from '../../../engine/geo/grid.ts';
import type { Store } from '../../../engine/store/store.ts';

const sq = (x0: number, y0: number, x1: number, y1: number) => ({
  type: 'Polygon',
  coordinates: [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
});

export const FIXTURE = {
  communes: [
    { code_insee: '29001', nom: 'Alpha', departement: '29', region: '53', box: [100000, 6800000, 110000, 6810000] },
    { code_insee: '29002', nom: 'Beta', departement: '29', region: '53', box: [110000, 6800000, 120000, 6810000] },
  ],
  monuments: [
    // in the 02Moy and 03Mcc envelopes, 100 m from a coast retreating 2 m/yr; classé church
    { reference: 'PA00000001', titre: 'Église Saint-Alpha', denomination: 'église', protection: 'classe', materiaux: 'granite', insee: '29001', x: 101000, y: 6801000 },
    // inside the frequent 01For envelope; a menhir (less vulnerable to flood)
    { reference: 'PA00000002', titre: 'Menhir de Beta', denomination: 'menhir', protection: 'inscrit', materiaux: null, insee: '29002', x: 115000, y: 6805000 },
    // timber-framed house on RGA level 3, flood depth 1.2 m in its 50 m buffer (0.3 m at the point)
    { reference: 'PA00000003', titre: 'Maison à pans de bois', denomination: 'maison', protection: 'inscrit', materiaux: 'pan de bois ; torchis', insee: '29002', x: 112025, y: 6808025 },
    // outside every layer's extent and any commune polygon: record INSEE code only
    { reference: 'PA00000004', titre: 'Château lointain', denomination: 'château', protection: 'classe_inscrit', materiaux: 'calcaire', insee: '29002', x: 300000, y: 6900000 },
    // on an RGA polygon whose level is a placeholder (NULL): donnée absente, not très faible
    { reference: 'PA00000005', titre: 'Croix de chemin', denomination: 'croix', protection: 'inscrit', materiaux: 'granite', insee: '29001', x: 105000, y: 6805000 },
  ],
  heritage: [
    { site_id: 'ARCH-1', site_kind: 'archaeo', name: 'Tumulus du Bois', type: 'tumulus', insee: '29001', x: 108000, y: 6808000 },
    { site_id: 'MUS-1', site_kind: 'museum', name: 'Musée de Beta', type: 'musée', insee: '29002', x: 118000, y: 6802000 },
  ],
  vulnerability: [{ site_id: 'PA00000001', etat_conservation: 'mauvais', mitigation: 'batardeaux' }],
};

export async function buildFixture(store: Store): Promise<{ rasterPath: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigie-risk-'));
  for (const c of FIXTURE.communes) {
    const [x0, y0, x1, y1] = c.box;
    await store.run(
      `INSERT INTO communes VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)`,
      [c.code_insee, c.nom, c.departement, c.region, x0, y0, x1, y1, (x1 - x0) * (y1 - y0), JSON.stringify(sq(x0, y0, x1, y1))],
    );
  }
  for (const m of FIXTURE.monuments) {
    await store.run(
      `INSERT INTO monuments (reference, titre, denomination, protection, partielle, insee, departement, region, materiaux, x, y, position_status, catalogue_id)
       VALUES ($1, $2, $3, $4, false, $5, '29', '53', $6, $7, $8, 'ok', 1)`,
      [m.reference, m.titre, m.denomination, m.protection, m.insee, m.materiaux, m.x, m.y],
    );
  }
  for (const h of FIXTURE.heritage) {
    await store.run(
      `INSERT INTO heritage_sites (site_id, site_kind, name, type, insee, x, y) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [h.site_id, h.site_kind, h.name, h.type, h.insee, h.x, h.y],
    );
  }
  for (const v of FIXTURE.vulnerability) {
    await store.run(`INSERT INTO site_vulnerability (site_id, etat_conservation, mitigation) VALUES ($1, $2, $3)`, [v.site_id, v.etat_conservation, v.mitigation]);
  }

  // Flood-depth raster: 10 m pixels over commune Beta's north-west corner; 1.2 m in one pixel
  // 40 m east of PA00000003, 0.3 m under it, nodata (-9999) in the left column.
  const g = grid({ originX: 110000, originY: 6810000, resX: 10, resY: 10, width: 400, height: 400, crs: 'EPSG:2154' });
  const data = new Float32Array(g.width * g.height);
  for (let r = 0; r < g.height; r++) data[r * g.width] = -9999;
  const px = (x: number, y: number) => Math.floor((g.originY - y) / 10) * g.width + Math.floor((x - g.originX) / 10);
  data[px(112025, 6808025)] = 0.3;
  data[px(112065, 6808025)] = 1.2;
  const rasterPath = join(dir, 'flood_depth.tif');
  writeFileSync(rasterPath, writeGeoTiff(data, g, { tileSize: 128, nodata: -9999 }));

  const layers = [
    ['tri_fixture', 'flood', 'zones', null, 'tri', [100000, 6800000, 120000, 6810000]],
    ['rga_fixture', 'clay', 'zones', null, 'rga', [100000, 6800000, 120000, 6810000]],
    ['seisme_fixture', 'seismic', 'commune_table', null, 'generic', null],
    ['drias_fixture', 'heat', 'climate_grid', null, 'drias', null],
    ['cote_fixture', 'coastal_retreat', 'lines', null, 'cerema', [100000, 6800000, 120000, 6810000]],
    ['flood_depth_fixture', 'flood', 'raster', rasterPath, 'geotiff', [110000, 6806000, 114000, 6810000]],
  ] as const;
  for (const [layer, hazard, kind, path, schema, ext] of layers) {
    await store.run(
      `INSERT INTO hazard_layers (layer, hazard, kind, raster_path, crs, vintage, catalogue_id, schema, minx, miny, maxx, maxy)
       VALUES ($1, $2, $3, $4, 'EPSG:2154', '2024', 1, $5, $6, $7, $8, $9)`,
      [layer, hazard, kind, path, schema, ext?.[0] ?? null, ext?.[1] ?? null, ext?.[2] ?? null, ext?.[3] ?? null],
    );
  }
  const zone = async (layer: string, hazard: string, scenario: string | null, level: number | null, value: number | null, geom: { type: string; coordinates: unknown }, b: number[]) =>
    store.run(
      `INSERT INTO hazard_zones (layer, feature_id, hazard, scenario, level_code, value, minx, miny, maxx, maxy, geometry)
       VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [layer, hazard, scenario, level, value, b[0], b[1], b[2], b[3], JSON.stringify(geom)],
    );
  // TRI envelopes: 02Moy and 03Mcc around PA1 (03Mcc wider), 01For around PA2, 04Fai wide.
  await zone('tri_fixture', 'flood', '02Moy', 1, null, sq(100500, 6800500, 101500, 6801500), [100500, 6800500, 101500, 6801500]);
  await zone('tri_fixture', 'flood', '03Mcc', 1, null, sq(100400, 6800400, 101600, 6801600), [100400, 6800400, 101600, 6801600]);
  await zone('tri_fixture', 'flood', '04Fai', 1, null, sq(100000, 6800000, 106000, 6806000), [100000, 6800000, 106000, 6806000]);
  await zone('tri_fixture', 'flood', '01For', 1, null, sq(114900, 6804900, 115100, 6805100), [114900, 6804900, 115100, 6805100]);
  // RGA: level 3 around PA3 (edge 30 m away: inside the 50 m buffer), placeholder around PA5.
  await zone('rga_fixture', 'clay', null, 3, null, sq(112055, 6807000, 113000, 6809000), [112055, 6807000, 113000, 6809000]);
  await zone('rga_fixture', 'clay', null, null, null, sq(104900, 6804900, 105100, 6805100), [104900, 6804900, 105100, 6805100]);
  // Coast line 100 m south of PA1, retreating 2 m/yr.
  await zone('cote_fixture', 'coastal_retreat', null, null, -2, { type: 'LineString', coordinates: [[100000, 6800900], [103000, 6800900]] }, [100000, 6800900, 103000, 6800900]);

  await store.run(`INSERT INTO hazard_by_commune (layer, hazard, code_insee, level_code) VALUES ('seisme_fixture', 'seismic', '29001', 2), ('seisme_fixture', 'seismic', '29002', 4)`);
  // DRIAS: four points at the corners of a 10 km square; heat days rise with warming.
  const pts = [[100000, 6800000, 0], [110000, 6800000, 4], [100000, 6810000, 8], [110000, 6810000, 12]];
  const warm: Record<string, number> = { ref: 0, '+2.0': 4, '+2.7': 10, '+4.0': 25 };
  for (const [i, [x, y, base]] of pts.entries()) {
    for (const [w, add] of Object.entries(warm)) {
      await store.run(
        `INSERT INTO climate_points (layer, warming, point, x, y, indicator, value) VALUES ('drias_fixture', $1, $2, $3, $4, 'NORTX35D_yr', $5)`,
        [w, `P${i}`, x, y, base + add],
      );
    }
  }
  return { rasterPath };
}
