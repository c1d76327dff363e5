/**
 * Peak extraction from the detector's output maps (CenterNet-style): a cell is a candidate
 * when it is the maximum of its 3×3 neighbourhood in its class heatmap and above a score
 * threshold; candidates then go through a class-aware distance NMS, so one object yields one
 * detection even when a large ring gives a flat plateau of responses.
 */
export interface MapSet {
  /** channel-major C×H×W: heatmaps 0..classes-1, then log-diameter, offset x, offset y */
  data: Float32Array;
  width: number;
  height: number;
  classes: number;
}

export interface Peak {
  cls: number;
  /** fractional cell coordinates of the centre (cell k spans [k, k+1)) */
  col: number;
  row: number;
  score: number;
  /** diameter in metres, when the maps carry a size channel */
  diameter: number;
}

export interface PeakOptions {
  threshold: number;
  /** NMS radius in cells: a weaker same-class peak closer than max(minDistance, nmsFactor·diameter/cellSize) goes */
  minDistance?: number;
  nmsFactor?: number;
  cellSize?: number;
  /** at most this many peaks per class (strongest first) */
  maxPerClass?: number;
}

/** 3×3 max-pool NMS on each class heatmap; ties keep the first cell in raster order. */
export function localMaxima(m: MapSet, threshold: number): Peak[] {
  const { data, width: w, height: h } = m;
  const plane = w * h;
  const hasSize = data.length >= plane * (m.classes + 3);
  const out: Peak[] = [];
  for (let k = 0; k < m.classes; k++) {
    const o = k * plane;
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const v = data[o + r * w + c];
        if (!(v >= threshold)) continue;
        let isMax = true;
        for (let dr = -1; dr <= 1 && isMax; dr++) {
          const rr = r + dr;
          if (rr < 0 || rr >= h) continue;
          for (let dc = -1; dc <= 1; dc++) {
            const cc = c + dc;
            if ((dr === 0 && dc === 0) || cc < 0 || cc >= w) continue;
            const u = data[o + rr * w + cc];
            // earlier cells (raster order) win ties, so a flat plateau yields one peak
            const earlier = dr < 0 || (dr === 0 && dc < 0);
            if (u > v || (earlier && u === v)) { isMax = false; break; }
          }
        }
        if (!isMax) continue;
        const i = r * w + c;
        const diameter = hasSize ? Math.exp(data[m.classes * plane + i]) : NaN;
        const ox = hasSize ? clampOffset(data[(m.classes + 1) * plane + i]) : 0;
        const oy = hasSize ? clampOffset(data[(m.classes + 2) * plane + i]) : 0;
        out.push({ cls: k, col: c + 0.5 + ox, row: r + 0.5 + oy, score: v, diameter });
      }
    }
  }
  return out;
}

function clampOffset(v: number): number {
  return Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
}

/**
 * Greedy NMS within each class: strongest first; a peak closer than the radius of an already
 * kept peak of the same class is dropped. Returns kept peaks sorted by score, descending.
 */
export function distanceNms(peaks: Peak[], opts: Omit<PeakOptions, 'threshold'> = {}): Peak[] {
  const minD = opts.minDistance ?? 1.5;
  const factor = opts.nmsFactor ?? 0.5;
  const cell = opts.cellSize ?? 1;
  const sorted = [...peaks].sort((a, b) => b.score - a.score || a.row - b.row || a.col - b.col);
  const kept: Peak[] = [];
  const perClass = new Map<number, number>();
  for (const p of sorted) {
    const n = perClass.get(p.cls) ?? 0;
    if (opts.maxPerClass !== undefined && n >= opts.maxPerClass) continue;
    let ok = true;
    for (const q of kept) {
      if (q.cls !== p.cls) continue;
      const rad = Math.max(minD, (factor * (Number.isFinite(q.diameter) ? q.diameter : 0)) / cell);
      if (Math.hypot(p.col - q.col, p.row - q.row) < rad) { ok = false; break; }
    }
    if (!ok) continue;
    kept.push(p);
    perClass.set(p.cls, n + 1);
  }
  return kept;
}

export function extractPeaks(m: MapSet, opts: PeakOptions): Peak[] {
  return distanceNms(localMaxima(m, opts.threshold), opts);
}
