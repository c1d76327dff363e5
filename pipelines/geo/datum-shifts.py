#!/usr/bin/env python3
"""
Generates engine/geo/datum-shifts.json: the Helmert datum shift (proj4 `+towgs84`) to WGS 84 that
engine/geo/crs.ts applies to each CRS of the epsg-index registry whose datum is not WGS 84-compatible,
taken from the EPSG dataset in PROJ's database (proj.db), never from a hand-written list.

Why: proj4js cannot load datum-shift grids (the registry's `+nadgrids=…` is dropped) and several of
the registry's `+towgs84` are wrong for proj4 (coordinate-frame rotations written as position-vector
ones, a deprecated transformation, a 3-parameter one where a 7-parameter one exists).

For each CRS of epsg-index (projected, geographic, geocentric, compound) the script finds its
geodetic CRS in proj.db, the geodetic CRSs of the same datum (and, through EPSG's longitude
rotations, the Greenwich version of a Paris/Ferro/Rome… datum), and the EPSG transformations from
them to WGS 84 (EPSG:4326) that proj4's `+towgs84` expresses exactly: geocentric translations (EPSG
method 9603), position vector (9606) and coordinate frame (9607, rotations negated for proj4's
position-vector convention); units from proj.db (arc-seconds, microradians… → arc-seconds; ppm).
Deprecated transformations, and those superseded by another candidate, are left out;
Molodensky-Badekas (9636, 1063) is not a plain Helmert and is skipped.

proj4js applies one shift to a whole CRS, where PROJ picks, point by point, among the operations
whose area of use contains the point. So the shift chosen for a CRS is the candidate closest to
PROJ's choice over the CRS's area: the CRS's area of use is sampled (9 × 9 points per extent,
weighted by cos(latitude)); at each point the reference is the candidate PROJ would use there
(pj_get_suggested_operation: in PROJ's order, the most accurate one whose bounding box contains the
point); a candidate's error there is its stated accuracy where it is the reference, else its
distance to the reference plus the reference's accuracy; the smallest mean error wins (near-ties:
PROJ's order). PROJ's order of the operations from each CRS to WGS 84 (what `projinfo -s EPSG:A -t
EPSG:4326` lists) comes from libproj through ctypes; without libproj, an approximation of it is
used. Where the largest error over the CRS's area exceeds the winner's stated accuracy (the CRS's
area exceeds the transformation's, or PROJ picks another one there), it is recorded (`worst`). CRSs
whose datum has no such transformation, or that proj.db lacks, are listed (`unchecked`): crs.ts
uses the registry's definition for them, and says so; the others have a WGS 84-compatible datum.

Runs in ~30 s. The output depends on proj.db (recorded: PROJ and EPSG dataset versions) and on
epsg-index (its version, recorded).

Usage (from the repository root):
    python3 pipelines/geo/datum-shifts.py [--db /usr/share/proj/proj.db] [--out engine/geo/datum-shifts.json]
"""
import argparse
import ctypes
import ctypes.util
import json
import math
import os
import sqlite3
import sys

HELMERT_METHODS = {'9603', '9606', '9607'}
WGS84 = '4326'
WGS84_DATUMS = {'6326'}  # the WGS 84 ensemble
SAMPLES = 9
# EPSG writes 999 m where the accuracy is unknown; such transformations rank after all others and
# count as this many metres in the scores (a reference of unknown accuracy counts as exact).
UNKNOWN_ACCURACY = 100.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--db', default='/usr/share/proj/proj.db')
    ap.add_argument('--registry', default='node_modules/epsg-index/all.json')
    ap.add_argument('--out', default='engine/geo/datum-shifts.json')
    args = ap.parse_args()

    db = sqlite3.connect(f'file:{args.db}?mode=ro', uri=True)
    db.row_factory = row_factory
    q = lambda sql, *p: db.execute(sql, p).fetchall()
    meta = {r['key']: r['value'] for r in q('SELECT key, value FROM metadata')}
    with open(args.registry, encoding='utf8') as f:
        registry = json.load(f)
    registry_dir = os.path.dirname(os.path.abspath(args.registry))
    with open(os.path.join(registry_dir, 'package.json'), encoding='utf8') as f:
        registry_version = json.load(f)['version']

    proj = Proj.load(args.db)
    uom = {r['code']: r['conv_factor'] for r in q("SELECT code, conv_factor FROM unit_of_measure WHERE auth_name = 'EPSG'")}

    def extents(table: str, code: str) -> list[tuple[float, float, float, float, str]]:
        return [
            (r['south_lat'], r['north_lat'], r['west_lon'], r['east_lon'], r['name'])
            for r in q(
                "SELECT e.south_lat, e.north_lat, e.west_lon, e.east_lon, e.name FROM usage u "
                "JOIN extent e ON e.auth_name = u.extent_auth_name AND e.code = u.extent_code "
                "WHERE u.object_table_name = ? AND u.object_auth_name = 'EPSG' AND u.object_code = ?",
                table, code,
            )
        ]

    geodetic = {r['code']: r for r in q("SELECT code, name, type, datum_code, deprecated FROM geodetic_crs WHERE auth_name = 'EPSG'")}
    projected = {r['code']: r for r in q("SELECT code, geodetic_crs_code FROM projected_crs WHERE auth_name = 'EPSG'")}
    compound = {r['code']: r for r in q("SELECT code, horiz_crs_code FROM compound_crs WHERE auth_name = 'EPSG'")}
    by_datum: dict[str, list[str]] = {}
    for code, r in geodetic.items():
        if r['type'] == 'geographic 2D':
            by_datum.setdefault(r['datum_code'], []).append(code)
    # Longitude rotations that only change the prime meridian (NTF (Paris) → NTF, S-JTSK (Ferro) →
    # S-JTSK, …): proj4's +pm applies them, so the Greenwich CRS's transformations hold. Those with
    # another offset (Tokyo 1892 → Korean 1985: 10.405") change the datum and are not followed.
    meridian = {r['code']: (r['longitude'], r['uom_code']) for r in q(
        "SELECT g.code, pm.longitude, pm.uom_code FROM geodetic_crs g JOIN geodetic_datum d ON d.auth_name = g.datum_auth_name AND d.code = g.datum_code "
        "JOIN prime_meridian pm ON pm.auth_name = d.prime_meridian_auth_name AND pm.code = d.prime_meridian_code WHERE g.auth_name = 'EPSG'")}
    rotations: dict[str, set[str]] = {}
    for r in q("SELECT source_crs_code, target_crs_code, param1_value, param1_uom_code FROM other_transformation "
               "WHERE auth_name = 'EPSG' AND method_code = '9601' AND deprecated = 0"):
        if meridian.get(r['source_crs_code']) == (r['param1_value'], r['param1_uom_code']) and meridian.get(r['target_crs_code'], (None,))[0] == 0:
            rotations.setdefault(r['source_crs_code'], set()).add(r['target_crs_code'])
    ellipsoid_of_datum = {
        r['code']: (r['semi_major_axis'] * uom[r['uom_code']], r['inv_flattening'], r['semi_minor_axis'])
        for r in q("SELECT d.code, e.semi_major_axis, e.uom_code, e.inv_flattening, e.semi_minor_axis FROM geodetic_datum d "
                   "JOIN ellipsoid e ON e.auth_name = d.ellipsoid_auth_name AND e.code = d.ellipsoid_code WHERE d.auth_name = 'EPSG'")
    }
    superseded = {(r['superseded_code'], r['replacement_code']) for r in q(
        "SELECT superseded_code, replacement_code FROM supersession WHERE superseded_table_name = 'helmert_transformation' AND superseded_auth_name = 'EPSG'")}

    helmerts: dict[str, list[dict]] = {}
    for r in q("SELECT * FROM helmert_transformation WHERE auth_name = 'EPSG' AND target_crs_auth_name = 'EPSG' AND target_crs_code = ? AND deprecated = 0", WGS84):
        if r['method_code'] in HELMERT_METHODS:
            helmerts.setdefault(r['source_crs_code'], []).append(r)

    def base_geodetic(code: str) -> str | None:
        if code in geodetic:
            return code
        if code in projected:
            return projected[code]['geodetic_crs_code']
        if code in compound:
            return base_geodetic(compound[code]['horiz_crs_code'])
        return None

    def crs_extents(code: str) -> list[tuple[float, float, float, float, str]]:
        for table in ('projected_crs', 'geodetic_crs', 'compound_crs'):
            e = extents(table, code)
            if e:
                return e
        return []

    def towgs84(r: dict) -> list[float]:
        t = [r[k] * uom[r['translation_uom_code']] for k in ('tx', 'ty', 'tz')]
        if r['method_code'] == '9603':
            return [clean(v) for v in t]
        sign = -1 if r['method_code'] == '9607' else 1  # coordinate frame → position vector
        arcsec = uom['9104']
        rot = [sign * r[k] * uom[r['rotation_uom_code']] / arcsec for k in ('rx', 'ry', 'rz')]
        ppm = r['scale_difference'] * uom[r['scale_difference_uom_code']] / 1e-6
        return [clean(v) for v in t + rot + [ppm]]

    candidates_cache: dict[str, list[dict]] = {}

    def candidates(datum: str) -> list[dict]:
        """Helmert transformations to WGS 84 from the 2D geographic CRSs of `datum` (and their Greenwich versions)."""
        if datum in candidates_cache:
            return candidates_cache[datum]
        sources = set(by_datum.get(datum, []))
        for s in list(sources):
            sources |= rotations.get(s, set())
        out = []
        for s in sorted(sources):
            for r in helmerts.get(s, []):
                boxes = extents('helmert_transformation', r['code'])
                if not boxes:
                    continue
                ell = ellipsoid_of_datum[geodetic[s]['datum_code']]
                accuracy = r['accuracy'] if r['accuracy'] is not None and r['accuracy'] < 999 else None
                out.append({
                    'code': r['code'], 'source': s, 'name': r['name'], 'method': r['method_code'], 'accuracy': accuracy,
                    'towgs84': towgs84(r), 'boxes': boxes, 'offshore': any('- offshore' in b[4] for b in boxes), 'area': sum(box_area(b) for b in boxes), 'ellipsoid': ell,
                })
        codes = {c['code'] for c in out}
        out = [c for c in out if not any((c['code'], rep) in superseded for rep in codes)]
        # An approximation of PROJ's order (SortFunction in PROJ's coordinateoperationfactory.cpp):
        # known accuracy, larger area, better accuracy, shorter name, greater name. choose() uses
        # PROJ's own order for each CRS when libproj can be loaded.
        out.sort(key=lambda c: c['name'], reverse=True)
        out.sort(key=lambda c: (c['accuracy'] is None, -round(c['area'], 12), c['accuracy'] or 0, len(c['name'])))
        for i, c in enumerate(out):
            c['rank'] = i
        candidates_cache[datum] = out
        return out

    def choose(code: str, cands: list[dict]) -> tuple[dict, float, float] | None:
        """The candidate closest to PROJ's per-point choice over the CRS's area, and its largest estimated error there."""
        boxes = crs_extents(code)
        if not boxes or not cands:
            return None
        points = []
        for b in boxes:
            s, n, w, e = b[0], b[1], b[2], unwrap(b[2], b[3])
            for i in range(SAMPLES):
                for j in range(SAMPLES):
                    lat = s + (n - s) * (i + 0.5) / SAMPLES
                    lon = wrap(w + (e - w) * (j + 0.5) / SAMPLES)
                    points.append((lat, lon, math.cos(math.radians(lat))))
        acc = lambda c: c['accuracy'] if c['accuracy'] is not None else UNKNOWN_ACCURACY
        # PROJ's order of the operations from this CRS to WGS 84 (as `projinfo -s EPSG:code -t
        # EPSG:4326` lists them: it depends on the CRS's area), which decides between equals.
        rank = {c['code']: c['rank'] for c in cands}
        if proj is not None:
            listed = proj.operations(code, WGS84)
            order = {name: i for i, name in reversed(list(enumerate(listed)))}
            rank = {c['code']: (order.get(c['name'], len(listed)), c['rank']) for c in cands}
        shifted = {}

        def at(c: dict, lat: float, lon: float) -> tuple[float, float]:
            key = (c['code'], lat, lon)
            if key not in shifted:
                shifted[key] = helmert_to_wgs84(lat, lon, c['ellipsoid'], c['towgs84'])
            return shifted[key]

        covered = []
        for lat, lon, wgt in points:
            inside = [c for c in cands if any(contains(b, lat, lon) for b in c['boxes'])]
            if inside:
                covered.append((lat, lon, wgt, proj_choice(inside, rank)))
        if not covered:
            # No candidate's area meets the CRS's: PROJ's first, error unknown.
            return min(cands, key=lambda c: rank[c['code']]), math.inf
        total = sum(p[2] for p in covered)
        best = None
        for c in cands:
            # Error against PROJ at each point: the stated accuracy where PROJ uses this very
            # transformation, else the distance to PROJ's result plus PROJ's stated accuracy.
            errs = [(acc(c) if ref is c else distance(at(c, lat, lon), at(ref, lat, lon)) + (ref['accuracy'] or 0), wgt) for lat, lon, wgt, ref in covered]
            score = sum(e * w for e, w in errs) / total
            worst = max(e for e, _ in errs)
            key = (round(score, 1), c['accuracy'] is None, acc(c), rank[c['code']])  # near-ties: PROJ's order
            if code in os.environ.get('DEBUG_CRS', '').split(','):
                print(code, c['code'], c['name'], c['accuracy'], f'mean {score:.1f} worst {worst:.1f}', file=sys.stderr)
            if best is None or key < best[0]:
                best = (key, c, worst)
        return best[1], best[2]

    transformations: dict[str, dict] = {}
    worst_of: dict[str, float] = {}
    unchecked: list[int] = []
    kinds = {'CRS-PROJCRS', 'CRS-GEOGCRS', 'CRS-GEOG3DCRS', 'CRS-COMPOUNDCRS', 'CRS-GCENCRS'}
    stats = {'crs': 0, 'wgs84_compatible': 0, 'no_helmert': 0, 'not_in_proj_db': 0}
    # (a CRS whose datum is WGS 84 itself needs nothing and is in none of the lists)
    for key in sorted(registry, key=int):
        entry = registry[key]
        if entry.get('kind') not in kinds or not entry.get('proj4'):
            continue
        g = base_geodetic(key)
        if g is None or g not in geodetic:
            stats['not_in_proj_db'] += 1
            unchecked.append(int(key))
            continue
        datum = geodetic[g]['datum_code']
        if datum in WGS84_DATUMS:
            continue
        cands = candidates(datum)
        if not cands:
            stats['no_helmert'] += 1
            unchecked.append(int(key))
            continue
        chosen = choose(key, cands)
        if chosen is None:  # no area of use
            stats['no_helmert'] += 1
            unchecked.append(int(key))
            continue
        c, worst = chosen
        registry_shift = registry_towgs84(entry['proj4'])
        if all(v == 0 for v in c['towgs84']) and (registry_shift is None or registry_shift == 'none' or all(v == 0 for v in registry_shift)):
            stats['wgs84_compatible'] += 1  # WGS 84-compatible (ETRS89, NAD83, GDA94, …): nothing to do
            continue
        stats['crs'] += 1
        t = transformations.setdefault(c['code'], {
            'name': c['name'],
            'towgs84': c['towgs84'],
            'accuracy_m': c['accuracy'],
            'area': '; '.join(b[4] for b in c['boxes']),
            'crs': [],
        })
        t['crs'].append(int(key))
        if c['accuracy'] is None:
            worst_of[key] = math.inf
        elif worst > c['accuracy'] + 0.05:
            worst_of[key] = math.inf if worst == math.inf else round(worst, 1)

    out = {
        'about': 'Helmert datum shifts to WGS 84 (proj4 +towgs84, position-vector convention, rotations in arc-seconds, scale in ppm) '
                 'for the CRSs of epsg-index whose datum is not WGS 84-compatible, chosen from the EPSG dataset in PROJ\'s database. '
                 'transformations: EPSG transformation code → its name, shift, stated accuracy (metres; null: unknown), area of use, and the EPSG codes of the CRSs it is applied to (ranges: "2009-2011,2017"). '
                 'worst: CRS code → largest error (metres) estimated over the CRS\'s area against PROJ\'s per-point choice of transformation, where larger than the stated accuracy (null: unknown). '
                 'unchecked: CRSs whose datum has no Helmert transformation to WGS 84 in the EPSG dataset, or that are not in it (the registry\'s definition is used as it is); '
                 'the other CRSs of the registry have a WGS 84-compatible datum. '
                 'Generated: do not edit.',
        'generated_by': 'python3 pipelines/geo/datum-shifts.py' + (f' --db {args.db}' if args.db != '/usr/share/proj/proj.db' else ''),
        'source': {
            'proj_db': args.db,
            'ranking': f'operations in the order of {proj.library}' if proj else 'operations in an approximation of PROJ\'s order (libproj not found)',
            'PROJ.VERSION': meta.get('PROJ.VERSION'),
            'EPSG.VERSION': meta.get('EPSG.VERSION'),
            'EPSG.DATE': meta.get('EPSG.DATE'),
            'epsg-index': registry_version,
        },
        'transformations': {k: {**transformations[k], 'crs': ranges(transformations[k]['crs'])} for k in sorted(transformations, key=int)},
        'worst': {k: (None if v == math.inf else v) for k, v in worst_of.items()},
        'unchecked': ranges(unchecked),
    }
    # One transformation per line: diffs stay readable.
    dump = lambda v: json.dumps(v, ensure_ascii=False, separators=(',', ':'))
    head = {k: v for k, v in out.items() if k not in ('transformations', 'worst', 'unchecked')}
    lines = [dump(head)[:-1] + ',', '"transformations":{']
    lines += [f'{dump(k)}:{dump(v)},' for k, v in out['transformations'].items()]
    lines[-1] = lines[-1][:-1]
    lines += ['},', f'"worst":{dump(out["worst"])},', f'"unchecked":{dump(out["unchecked"])}', '}']
    text = '\n'.join(lines)
    json.loads(text)
    with open(args.out, 'w', encoding='utf8') as f:
        f.write(text + '\n')
    print(f"{args.out}: {len(transformations)} transformations for {stats['crs']} CRSs "
          f"({stats['wgs84_compatible']} WGS 84-compatible, {stats['no_helmert']} without a Helmert to WGS 84 in proj.db, {stats['not_in_proj_db']} not in proj.db), "
          f"{len(text) // 1024} KiB; PROJ {meta.get('PROJ.VERSION')}, EPSG {meta.get('EPSG.VERSION')}", file=sys.stderr)


class Proj:
    """PROJ's own list of operations between two CRSs, through libproj (ctypes), as projinfo gives it."""

    @classmethod
    def load(cls, db: str) -> 'Proj | None':
        name = ctypes.util.find_library('proj')
        for candidate in ([name] if name else []) + ['libproj.so', 'libproj.so.25', 'libproj.dylib']:
            try:
                return cls(ctypes.CDLL(candidate), candidate, db)
            except OSError:
                continue
        return None

    def __init__(self, lib: ctypes.CDLL, name: str, db: str) -> None:
        V, S, I = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        for fn, res, args in [
            ('proj_context_create', V, []), ('proj_context_set_database_path', I, [V, S, V, V]), ('proj_create_from_database', V, [V, S, S, I, I, V]),
            ('proj_create_operation_factory_context', V, [V, S]), ('proj_operation_factory_context_set_spatial_criterion', None, [V, V, I]),
            ('proj_operation_factory_context_set_grid_availability_use', None, [V, V, I]), ('proj_operation_factory_context_set_allow_ballpark_transformations', None, [V, V, I]),
            ('proj_create_operations', V, [V, V, V, V]), ('proj_list_get_count', I, [V]), ('proj_list_get', V, [V, V, I]), ('proj_get_name', S, [V]), ('proj_destroy', None, [V]), ('proj_list_destroy', None, [V]), ('proj_operation_factory_context_destroy', None, [V]), ('proj_info', None, []),
        ]:
            f = getattr(lib, fn)
            f.restype, f.argtypes = res, args
        self.lib = lib
        self.ctx = lib.proj_context_create()
        lib.proj_context_set_database_path(self.ctx, db.encode(), None, None)
        self.library = name

    def operations(self, source: str, target: str) -> list[str]:
        """Names of the transformations (the last step) of the operations from EPSG:source to
        EPSG:target, in PROJ's order (partial intersection of areas, operations needing a missing
        grid left out, no ballpark)."""
        lib, ctx = self.lib, self.ctx
        s = lib.proj_create_from_database(ctx, b'EPSG', source.encode(), 3, 0, None)  # PJ_CATEGORY_CRS
        t = lib.proj_create_from_database(ctx, b'EPSG', target.encode(), 3, 0, None)
        fc = lib.proj_create_operation_factory_context(ctx, None)
        lib.proj_operation_factory_context_set_spatial_criterion(ctx, fc, 1)  # PARTIAL_INTERSECTION
        lib.proj_operation_factory_context_set_grid_availability_use(ctx, fc, 1)  # DISCARD_OPERATION_IF_MISSING_GRID
        lib.proj_operation_factory_context_set_allow_ballpark_transformations(ctx, fc, 0)
        names = []
        ops = lib.proj_create_operations(ctx, s, t, fc) if s and t else None
        if ops:
            for i in range(lib.proj_list_get_count(ops)):
                op = lib.proj_list_get(ctx, ops, i)
                names.append(lib.proj_get_name(op).decode().split(' + ')[-1])
                lib.proj_destroy(op)
            lib.proj_list_destroy(ops)
        lib.proj_operation_factory_context_destroy(fc)
        for o in (s, t):
            if o:
                lib.proj_destroy(o)
        return names


def row_factory(cursor: sqlite3.Cursor, values: tuple) -> dict:
    """Rows as dicts; codes as strings (proj.db stores numeric codes as integers)."""
    names = [d[0] for d in cursor.description]
    return {k: str(v) if k.endswith('code') and v is not None else v for k, v in zip(names, values)}


def ranges(codes: list[int]) -> str:
    """`[2009, 2010, 2011, 2017]` → `"2009-2011,2017"`."""
    out, s = [], sorted(codes)
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[j] + 1:
            j += 1
        out.append(f'{s[i]}-{s[j]}' if j > i else str(s[i]))
        i = j + 1
    return ','.join(out)


def clean(v: float) -> float:
    r = float(f'{v:.10g}')
    return int(r) if r == int(r) else r


def proj_choice(inside: list[dict], rank: dict) -> dict:
    """The operation PROJ's proj_trans() uses at a point, among those whose area contains it
    (pj_get_suggested_operation in PROJ 9.1): in PROJ's order, the first one, replaced by a more
    accurate one, or by one as accurate whose area lies inside it, unless that one is offshore."""
    best = None
    for c in sorted(inside, key=lambda c: rank[c['code']]):
        if best is None:
            best = c
            continue
        if c['accuracy'] is None or c['offshore']:
            continue
        if best['accuracy'] is None or c['accuracy'] < best['accuracy'] or (c['accuracy'] == best['accuracy'] and inside_of(c['boxes'], best['boxes'])):
            best = c
    return best


def inside_of(a, b) -> bool:
    """Whether the bounding box of `a` lies strictly inside that of `b`."""
    (s1, n1, w1, e1), (s2, n2, w2, e2) = bbox(a), bbox(b)
    return s1 > s2 and n1 < n2 and w1 > w2 and e1 < e2


def bbox(boxes) -> tuple[float, float, float, float]:
    return min(b[0] for b in boxes), max(b[1] for b in boxes), min(b[2] for b in boxes), max(unwrap(b[2], b[3]) for b in boxes)


def registry_towgs84(proj4: str):
    """The registry definition's shift: 7 numbers, 'grid', or 'none'."""
    parts = dict(p[1:].split('=', 1) for p in proj4.split() if p.startswith('+') and '=' in p)
    if 'nadgrids' in parts and parts['nadgrids'] != '@null':
        return 'grid'
    if parts.get('datum') in ('WGS84', 'NAD83'):
        return [0.0] * 7
    if parts.get('datum') == 'NAD27':
        return 'grid'
    if 'towgs84' in parts:
        v = [float(x) for x in parts['towgs84'].split(',')]
        return v + [0.0] * (7 - len(v))
    return 'none'


def unwrap(w: float, e: float) -> float:
    return e + 360 if e < w else e


def wrap(lon: float) -> float:
    return lon - 360 if lon > 180 else lon


def contains(box, lat: float, lon: float) -> bool:
    s, n, w, e = box[0], box[1], box[2], box[3]
    if not (s <= lat <= n):
        return False
    return w <= lon <= e if w <= e else (lon >= w or lon <= e)


def box_area(box) -> float:
    s, n, w, e = box[0], box[1], box[2], unwrap(box[2], box[3])
    return (math.sin(math.radians(n)) - math.sin(math.radians(s))) * math.radians(e - w)


def helmert_to_wgs84(lat: float, lon: float, ell, p: list[float]) -> tuple[float, float]:
    """Geographic (degrees) on `ell` → WGS 84 through the position-vector Helmert `p` (proj4's +towgs84)."""
    a, rf, b = ell
    f = 1 / rf if rf else (1 - b / a if b else 0)
    es = f * (2 - f)
    phi, lam = math.radians(lat), math.radians(lon)
    nu = a / math.sqrt(1 - es * math.sin(phi) ** 2)
    x = nu * math.cos(phi) * math.cos(lam)
    y = nu * math.cos(phi) * math.sin(lam)
    z = nu * (1 - es) * math.sin(phi)
    tx, ty, tz = p[:3]
    rx, ry, rz, ds = (p[3:] + [0, 0, 0, 0])[:4]
    sec = math.pi / 180 / 3600
    rx, ry, rz, m = rx * sec, ry * sec, rz * sec, 1 + ds * 1e-6
    x2 = tx + m * (x - rz * y + ry * z)
    y2 = ty + m * (rz * x + y - rx * z)
    z2 = tz + m * (-ry * x + rx * y + z)
    aw, fw = 6378137.0, 1 / 298.257223563
    ew = fw * (2 - fw)
    lam2 = math.atan2(y2, x2)
    pr = math.hypot(x2, y2)
    phi2 = math.atan2(z2, pr * (1 - ew))
    for _ in range(6):
        nu2 = aw / math.sqrt(1 - ew * math.sin(phi2) ** 2)
        phi2 = math.atan2(z2 + ew * nu2 * math.sin(phi2), pr)
    return math.degrees(phi2), math.degrees(lam2)


def distance(p: tuple[float, float], q: tuple[float, float]) -> float:
    """Metres between two nearby WGS 84 positions."""
    lat = math.radians((p[0] + q[0]) / 2)
    dn = math.radians(p[0] - q[0]) * 6367449
    de = math.radians(((p[1] - q[1] + 180) % 360) - 180) * 6378137 * math.cos(lat)
    return math.hypot(dn, de)


if __name__ == '__main__':
    main()
