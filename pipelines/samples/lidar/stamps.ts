/**
 * Shapes of objects on the terrain. Each object touches only the pixels of its bounding window
 * (clipped to the tile), so stamping hundreds of objects costs a few milliseconds.
 * Offsets (dx, dy) are world metres from the object's centre, y pointing north.
 */
import type { TileGeom } from './noise.ts';
import { reach, type Obj } from './objects.ts';

type Shape = (dx: number, dy: number, z: number) => number;

/** Applies `shape` (old z → new z) to every pixel within `r` metres (square window) of (x, y). */
function apply(z: Float32Array, g: TileGeom, x: number, y: number, r: number, shape: Shape): void {
  const c0 = Math.max(0, Math.floor((x - r - g.x0) / g.pixel));
  const c1 = Math.min(g.width, Math.ceil((x + r - g.x0) / g.pixel));
  const r0 = Math.max(0, Math.floor((g.y0 - (y + r)) / g.pixel));
  const r1 = Math.min(g.height, Math.ceil((g.y0 - (y - r)) / g.pixel));
  for (let row = r0; row < r1; row++) {
    const dy = g.y0 - (row + 0.5) * g.pixel - y;
    for (let col = c0; col < c1; col++) {
      const dx = g.x0 + (col + 0.5) * g.pixel - x;
      const i = row * g.width + col;
      z[i] = shape(dx, dy, z[i]);
    }
  }
}

export function overlapsTile(o: Obj, g: TileGeom): boolean {
  const r = reach(o);
  return o.x + r > g.x0 && o.x - r < g.x0 + g.width * g.pixel && o.y + r > g.y0 - g.height * g.pixel && o.y - r < g.y0;
}

const smoothstep = (e0: number, e1: number, v: number) => {
  const t = Math.min(1, Math.max(0, (v - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
};

/** Distance in an ellipse stretched by `stretch` along direction theta (1 = on the radius r). */
function ellipse(dx: number, dy: number, r: number, stretch: number, theta: number): number {
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const u = (dx * c + dy * s) / stretch;
  const v = -dx * s + dy * c;
  return Math.hypot(u, v) / r;
}

function wobble(harm: number[], angle: number): number {
  let f = 1;
  for (let k = 0; k < 3; k++) f += harm[2 * k] * Math.cos((k + 2) * angle + harm[2 * k + 1]);
  return f;
}

export function stampObject(z: Float32Array, g: TileGeom, o: Obj): void {
  const R = reach(o);
  switch (o.kind) {
    case 'mound': {
      apply(z, g, o.x, o.y, R, (dx, dy, v) => {
        const s = ellipse(dx, dy, o.r, o.stretch, o.theta);
        if (s >= 1) return v;
        // intact: steep-sided dome; ploughed: flatter, spread bell
        const k = o.variant === 'ploughed' ? 2 : 1.2;
        let dz = o.h * Math.pow(1 - s * s, k);
        if (o.pitD > 0) {
          const sp = Math.hypot(dx - o.pitDx, dy - o.pitDy) / o.pitR;
          if (sp < 1) dz -= o.pitD * (1 - sp * sp);
        }
        return v + dz;
      });
      break;
    }
    case 'kiln': {
      // Flat platform cut into the slope at the centre's level; downslope the fill ends in a lip.
      apply(z, g, o.x, o.y, R, (dx, dy, v) => {
        const d = Math.hypot(dx, dy);
        const w = 1 - smoothstep(o.r, o.r + 3, d);
        if (w <= 0) return v;
        const down = d > 0 ? (dx * o.dx + dy * o.dy) / d : 0;
        const lip = down > 0 ? o.lipH * down * down * Math.exp(-(((d - o.r) / 1.2) ** 2)) : 0;
        return v * (1 - w) + w * o.zc + lip;
      });
      break;
    }
    case 'enclosure': {
      const c = Math.cos(o.theta);
      const s = Math.sin(o.theta);
      const hw = o.ditchW / 2;
      apply(z, g, o.x, o.y, R, (dx, dy, v) => {
        let sd: number; // signed distance to the ditch's centre line (outside > 0)
        if (o.shape === 'circular') sd = Math.hypot(dx, dy) - o.a;
        else {
          const u = Math.abs(dx * c + dy * s) - o.a;
          const w = Math.abs(-dx * s + dy * c) - o.b;
          sd = Math.hypot(Math.max(u, 0), Math.max(w, 0)) + Math.min(Math.max(u, w), 0);
        }
        let dz = 0;
        if (Math.abs(sd) < hw) dz -= o.ditchD * Math.cos((Math.PI / 2) * (sd / hw)) ** 2;
        if (o.bank !== 'none') {
          const bc = o.bank === 'inner' ? -hw - 1.5 : hw + 1.5;
          const t = (sd - bc) / 1.8;
          if (Math.abs(t) < 1) dz += o.bankH * Math.cos((Math.PI / 2) * t) ** 2;
        }
        return v + dz;
      });
      break;
    }
    case 'pit': {
      apply(z, g, o.x, o.y, R, (dx, dy, v) => {
        const s = Math.hypot(dx, dy) / o.r;
        if (s < 1) return v - o.d * (1 - s * s);
        if (o.rimH > 0 && s < 1.6) return v + o.rimH * Math.sin((Math.PI * (s - 1)) / 0.6);
        return v;
      });
      break;
    }
    case 'hummock': {
      // Lopsided: the crest sits `skew` of the half-length off centre along the long axis, so
      // one flank is long and gentle, the other short and steep (a dune's stoss and lee).
      const c = Math.cos(o.theta);
      const sn = Math.sin(o.theta);
      const L = o.r * o.stretch;
      apply(z, g, o.x, o.y, R, (dx, dy, v) => {
        const u = (dx * c + dy * sn) / L;
        const w = (-dx * sn + dy * c) / o.r;
        const us = u >= o.skew ? (u - o.skew) / (1 - o.skew) : (u - o.skew) / (1 + o.skew);
        const s = Math.hypot(us, w) / wobble(o.harm, Math.atan2(dy, dx));
        return s < 1 ? v + o.h * Math.pow(1 - s * s, 1.6) : v;
      });
      break;
    }
    case 'boulder': {
      const sector = (2 * Math.PI) / o.sides;
      apply(z, g, o.x, o.y, R, (dx, dy, v) => {
        const a = (((Math.atan2(dy, dx) - o.theta) % sector) + sector) % sector;
        const rPoly = (o.r * Math.cos(Math.PI / o.sides)) / Math.cos(a - sector / 2);
        const s = Math.hypot(dx, dy) / rPoly;
        return s < 1 ? v + o.h * Math.sqrt(1 - s ** 4) : v;
      });
      break;
    }
    case 'treethrow': {
      // root-plate pit with the upturned soil mound beside it
      const mx = Math.cos(o.dir) * o.r * 1.6;
      const my = Math.sin(o.dir) * o.r * 1.6;
      apply(z, g, o.x, o.y, R, (dx, dy, v) => {
        const sp = Math.hypot(dx, dy) / o.r;
        const sm = Math.hypot(dx - mx, dy - my) / (o.r * 1.2);
        let dz = 0;
        if (sp < 1) dz -= o.d * (1 - sp * sp);
        if (sm < 1) dz += o.moundH * (1 - sm * sm) ** 2;
        return v + dz;
      });
      break;
    }
    case 'quarry': {
      const sx = o.x + Math.cos(o.spoilDir) * o.r * 1.45;
      const sy = o.y + Math.sin(o.spoilDir) * o.r * 1.45;
      apply(z, g, o.x, o.y, R, (dx, dy, v) => {
        const s = Math.hypot(dx, dy) / (o.r * wobble(o.harm, Math.atan2(dy, dx)));
        // flat floor, steep faces over the outer fifth of the radius
        let dz = -o.d * (1 - smoothstep(0.78, 1, s));
        const ss = Math.hypot(dx + o.x - sx, dy + o.y - sy) / (o.r * 0.4);
        if (ss < 1) dz += o.spoilH * (1 - ss * ss) ** 1.3;
        return v + dz;
      });
      break;
    }
    case 'facet': {
      // Gap filled by a two-triangle TIN: planar facets with hard edges, as in real MNT voids.
      const [zTL, zTR, zBL, zBR] = o.z;
      apply(z, g, o.x, o.y, R, (dx, dy, v) => {
        if (Math.abs(dx) > o.hw || Math.abs(dy) > o.hh) return v;
        const u = (dx + o.hw) / (2 * o.hw); // 0 west → 1 east
        const t = (o.hh - dy) / (2 * o.hh); // 0 north → 1 south
        return u >= t ? zTL + (zTR - zTL) * u + (zBR - zTR) * t : zTL + (zBL - zTL) * t + (zBR - zBL) * u;
      });
      break;
    }
  }
}
