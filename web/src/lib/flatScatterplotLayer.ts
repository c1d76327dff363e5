/**
 * A ScatterplotLayer drawn without instancing. deck.gl draws one instance per point, which
 * GPUs do in a blink but software WebGL (SwiftShader, used by headless browsers and by
 * machines without a GPU) does one instance at a time: ~1.5 s per frame for 46,000
 * monuments. Here every point is six vertices of one plain triangle list instead, using
 * the stock ScatterplotLayer shaders, uniforms and picking (through `rowIndexes`).
 *
 * Input is the per-vertex binary data made by `expandPoints`; `info.index` from picking
 * is the point index.
 */
import { ScatterplotLayer } from '@deck.gl/layers';
// Already bundled as a dependency of @deck.gl/layers; needed to build a non-instanced model.
import { Model } from '@luma.gl/engine';

/** Unit-square corners of the two triangles of a point (x, y, z per vertex). */
const CORNERS = [-1, -1, 0, 1, -1, 0, -1, 1, 0, -1, 1, 0, 1, -1, 0, 1, 1, 0];
export const VERTICES_PER_POINT = 6;

export interface PointAttributes {
  /** lon, lat per point */
  positions: Float32Array;
  /** RGBA per point */
  fillColors: Uint8Array;
  /** RGBA per point */
  lineColors: Uint8Array;
}

export interface FlatPointData {
  /** Number of vertices (six per point), as deck.gl counts "instances" of binary data. */
  length: number;
  points: number;
  attributes: {
    positions: { value: Float32Array; size: 3 };
    getPosition: { value: Float32Array; size: 2 };
    getFillColor: { value: Uint8Array; size: 4; normalized: true };
    getLineColor: { value: Uint8Array; size: 4; normalized: true };
    rowIndexes: { value: Float32Array; size: 1 };
  };
}

/** Repeats each point's attributes for its six vertices. */
export function expandPoints({ positions, fillColors, lineColors }: PointAttributes): FlatPointData {
  const n = positions.length / 2;
  const v = n * VERTICES_PER_POINT;
  const corners = new Float32Array(v * 3);
  const xy = new Float32Array(v * 2);
  const fill = new Uint8Array(v * 4);
  const line = new Uint8Array(v * 4);
  const rows = new Float32Array(v);
  for (let i = 0; i < n; i++) {
    corners.set(CORNERS, i * 18);
    for (let k = 0; k < VERTICES_PER_POINT; k++) {
      const j = i * VERTICES_PER_POINT + k;
      xy[2 * j] = positions[2 * i];
      xy[2 * j + 1] = positions[2 * i + 1];
      fill.set(fillColors.subarray(4 * i, 4 * i + 4), 4 * j);
      line.set(lineColors.subarray(4 * i, 4 * i + 4), 4 * j);
      rows[j] = i;
    }
  }
  return {
    length: v,
    points: n,
    attributes: {
      positions: { value: corners, size: 3 },
      getPosition: { value: xy, size: 2 },
      getFillColor: { value: fill, size: 4, normalized: true },
      getLineColor: { value: line, size: 4, normalized: true },
      rowIndexes: { value: rows, size: 1 },
    },
  };
}

export class FlatScatterplotLayer extends ScatterplotLayer {
  static override layerName = 'FlatScatterplotLayer';

  override initializeState(): void {
    super.initializeState();
    // The stock attributes step per instance; here they step per vertex.
    const manager = this.getAttributeManager()!;
    for (const attribute of Object.values(manager.getAttributes())) {
      (attribute as unknown as { settings: { stepMode: string } }).settings.stepMode = 'vertex';
    }
    // The corner of the unit square, normally the instanced geometry.
    manager.add({ positions: { size: 3, noAlloc: true } });
    // Point indexes as floats (exact below 2^24): SwiftShader has no vertex format for
    // unsigned integers read as floats, and ANGLE would convert the whole buffer each frame.
    manager.remove(['rowIndexes']);
    manager.add({ rowIndexes: { size: 1, type: 'float32', noAlloc: true } });
  }

  protected override _getModel(): Model {
    return new Model(this.context.device, {
      ...this.getShaders(),
      id: this.props.id,
      bufferLayout: this.getAttributeManager()!.getBufferLayouts({ isInstanced: false }),
      topology: 'triangle-list',
      isInstanced: false,
      vertexCount: this.getNumInstances(),
    });
  }

  override draw(opts: Parameters<ScatterplotLayer['draw']>[0]): void {
    this.state.model!.setVertexCount(this.getNumInstances());
    super.draw(opts);
  }
}
