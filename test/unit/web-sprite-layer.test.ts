/**
 * The map's monument layer (web/src/lib/spriteLayer.ts): its Web Mercator against MapLibre's own
 * (the other side of the boundary: MapLibre draws the basemap, the layer the points on it), and
 * picking against positions placed by hand a known number of pixels apart. Drawing itself is
 * checked on real pixels by the end-to-end map test.
 */
import { describe, expect, it } from 'vitest';
import { LngLat, MercatorCoordinate } from 'maplibre-gl';
import { SpriteLayer, mercator, outerRadius, type SpriteData } from '../../web/src/lib/spriteLayer.ts';

describe('mercator', () => {
  it('is MapLibre\'s MercatorCoordinate, to float64 rounding, from the equator to Svalbard and overseas', () => {
    for (const [lon, lat] of [
      [2.3522, 48.8566],
      [-61.534, 16.241],
      [55.45, -20.88],
      [-179.99, 0],
      [179.99, 78.2],
      [0, 0],
    ]) {
      const ref = MercatorCoordinate.fromLngLat([lon, lat]);
      const [x, y] = mercator(lon, lat);
      expect(Math.abs(x - ref.x)).toBeLessThan(1e-15);
      expect(Math.abs(y - ref.y)).toBeLessThan(1e-12);
    }
  });
});

/** A stand-in for the map: a Mercator view of `zoom` whose top-left corner is `origin`. */
function fakeMap(origin: [number, number], zoom: number) {
  const worldPx = 512 * 2 ** zoom;
  return {
    getZoom: () => zoom,
    triggerRepaint: () => undefined,
    unproject([x, y]: [number, number]) {
      const c = new MercatorCoordinate(origin[0] + x / worldPx, origin[1] + y / worldPx);
      return c.toLngLat() as LngLat;
    },
  };
}

/** Points at pixel offsets from the origin of a view at `zoom`. */
function pointsAt(origin: [number, number], zoom: number, pixels: Array<[number, number]>): SpriteData {
  const worldPx = 512 * 2 ** zoom;
  const positions = new Float32Array(pixels.length * 2);
  pixels.forEach(([px, py], i) => {
    const ll = new MercatorCoordinate(origin[0] + px / worldPx, origin[1] + py / worldPx).toLngLat();
    positions[2 * i] = ll.lng;
    positions[2 * i + 1] = ll.lat;
  });
  return { length: pixels.length, positions, fill: new Uint8Array(4 * pixels.length), line: new Uint8Array(4 * pixels.length) };
}

describe('SpriteLayer.pick', () => {
  // Zoom 8 keeps float32 degrees within ~0.01 px of where they were put.
  const zoom = 8;
  const origin = mercator(2, 48);
  const style = { radiusPixels: 4, lineWidthPixels: 2 }; // outer radius 5 px
  const layer = new SpriteLayer('t', style);
  (layer as unknown as { map: unknown }).map = fakeMap(origin, zoom);
  // 0 alone at (100, 100); 1 and 2 overlap at (200, 100) and (204, 100): 2 is drawn on top.
  layer.setData(pointsAt(origin, zoom, [[100, 100], [200, 100], [204, 100]]));

  it('finds a point within its disc, ring included, and nothing beyond its edge', () => {
    expect(outerRadius(style)).toBe(5);
    expect(layer.pick(100, 100)).toBe(0);
    expect(layer.pick(104.9, 100)).toBe(0);
    expect(layer.pick(100, 95.2)).toBe(0);
    expect(layer.pick(106, 100)).toBe(-1);
    expect(layer.pick(100, 107)).toBe(-1);
    expect(layer.pick(150, 100)).toBe(-1);
  });

  it('returns the point drawn on top where discs overlap, as the screen shows it', () => {
    expect(layer.pick(202, 100)).toBe(2);
    expect(layer.pick(196, 100)).toBe(1);
    expect(layer.pick(208, 100)).toBe(2);
  });

  it('follows the marker size', () => {
    layer.setStyle({ radiusPixels: 1, lineWidthPixels: 1 }); // outer 1.5 px
    expect(layer.pick(103, 100)).toBe(-1);
    expect(layer.pick(101, 100)).toBe(0);
    layer.setStyle(style);
  });
});
