/**
 * Round markers drawn as WebGL point sprites in deck.gl: one vertex per point, one draw call
 * (the detections; the monuments have the same kind of layer in MapLibre, spriteLayer.ts).
 *
 * deck.gl's ScatterplotLayer draws an instanced quad per point. GPUs do that in a blink,
 * but software WebGL (SwiftShader: headless browsers, machines without a GPU) runs
 * instances one at a time and its vertex stage is slow: ~1.5 s per frame for 46,000
 * monuments, against ~0.1 s here. Sizes are in CSS pixels; picking (`info.index`) and
 * auto-highlight work as in the stock layers, through deck.gl's project and picking modules.
 *
 * Input is binary data: `getPosition` (lon, lat), `getFillColor` and `getLineColor`
 * (RGBA bytes) and `pointIndexes` (0..n-1 as floats, exact below 2^24).
 */
import { Layer, color, picking, project32, type DefaultProps, type LayerProps, type UpdateParameters } from '@deck.gl/core';
// Already bundled as a dependency of @deck.gl/core; needed to build a point-list model.
import { Model } from '@luma.gl/engine';

const uniformBlock = /* glsl */ `\
layout(std140) uniform pointSpriteUniforms {
  float radiusPixels;
  float lineWidthPixels;
} pointSprite;
`;

const pointSpriteUniforms = {
  name: 'pointSprite',
  vs: uniformBlock,
  fs: uniformBlock,
  uniformTypes: { radiusPixels: 'f32', lineWidthPixels: 'f32' },
} as const;

/** Half a pixel of antialiasing on each side of the outer edge. */
const vs = /* glsl */ `\
#version 300 es
#define SHADER_NAME point-sprite-layer-vertex-shader
in vec3 positions;
in vec3 positions64Low;
in vec4 fillColors;
in vec4 lineColors;
in float pointIndexes;
out vec4 vFillColor;
out vec4 vLineColor;
void main(void) {
  geometry.worldPosition = positions;
  geometry.pickingColor = picking_getPickingColorFromIndex(pointIndexes);
  gl_Position = project_position_to_clipspace(positions, positions64Low, vec3(0.0), geometry.position);
  DECKGL_FILTER_GL_POSITION(gl_Position, geometry);
  float outer = pointSprite.radiusPixels + pointSprite.lineWidthPixels * 0.5;
  gl_PointSize = 2.0 * (outer + 1.0) * project.devicePixelRatio;
  vFillColor = vec4(fillColors.rgb, fillColors.a * layer.opacity);
  DECKGL_FILTER_COLOR(vFillColor, geometry);
  vLineColor = vec4(lineColors.rgb, lineColors.a * layer.opacity);
  DECKGL_FILTER_COLOR(vLineColor, geometry);
}
`;

const fs = /* glsl */ `\
#version 300 es
#define SHADER_NAME point-sprite-layer-fragment-shader
precision highp float;
in vec4 vFillColor;
in vec4 vLineColor;
out vec4 fragColor;
void main(void) {
  float outer = pointSprite.radiusPixels + pointSprite.lineWidthPixels * 0.5;
  float inner = outer - pointSprite.lineWidthPixels;
  // Distance from the centre in CSS pixels.
  vec2 unit = gl_PointCoord * 2.0 - 1.0;
  float d = length(unit) * (outer + 1.0);
  float inCircle = 1.0 - smoothstep(outer - 0.5, outer + 0.5, d);
  if (inCircle <= 0.0) {
    discard;
  }
  geometry.uv = unit;
  float isLine = smoothstep(inner - 0.5, inner + 0.5, d);
  fragColor = mix(vFillColor, vLineColor, isLine);
  fragColor.a *= inCircle;
  DECKGL_FILTER_COLOR(fragColor, geometry);
}
`;

export interface PointSpriteData {
  length: number;
  attributes: {
    getPosition: { value: Float32Array; size: 2 };
    getFillColor: { value: Uint8Array; size: 4; normalized: true };
    getLineColor: { value: Uint8Array; size: 4; normalized: true };
    pointIndexes: { value: Float32Array; size: 1 };
  };
}

export type PointSpriteLayerProps = LayerProps & {
  data: PointSpriteData;
  /** Radius of the disc, CSS pixels. */
  radiusPixels?: number;
  /** Width of the ring drawn in the line colour, CSS pixels. */
  lineWidthPixels?: number;
};

/** Binary attributes for `PointSpriteLayer` from flat per-point arrays. */
export function pointSpriteData(positions: Float32Array, fill: Uint8Array, line: Uint8Array): PointSpriteData {
  const n = positions.length / 2;
  const indexes = new Float32Array(n);
  for (let i = 0; i < n; i++) indexes[i] = i;
  return {
    length: n,
    attributes: {
      getPosition: { value: positions, size: 2 },
      getFillColor: { value: fill, size: 4, normalized: true },
      getLineColor: { value: line, size: 4, normalized: true },
      pointIndexes: { value: indexes, size: 1 },
    },
  };
}

const defaultProps: DefaultProps<PointSpriteLayerProps> = {
  radiusPixels: { type: 'number', min: 0, value: 5 },
  lineWidthPixels: { type: 'number', min: 0, value: 1.5 },
};

export class PointSpriteLayer extends Layer<PointSpriteLayerProps> {
  static override layerName = 'PointSpriteLayer';
  static override defaultProps = defaultProps;

  declare state: { model?: Model };

  override getShaders() {
    return super.getShaders({ vs, fs, modules: [project32, color, picking, pointSpriteUniforms] });
  }

  override initializeState(): void {
    this.getAttributeManager()!.add({
      positions: { size: 3, type: 'float64', fp64: this.use64bitPositions(), accessor: 'getPosition' },
      fillColors: { size: 4, type: 'unorm8', accessor: 'getFillColor', defaultValue: [0, 0, 0, 255] },
      lineColors: { size: 4, type: 'unorm8', accessor: 'getLineColor', defaultValue: [255, 255, 255, 255] },
      pointIndexes: { size: 1, type: 'float32', noAlloc: true },
    });
  }

  override updateState(params: UpdateParameters<this>): void {
    super.updateState(params);
    if (params.changeFlags.extensionsChanged) {
      this.state.model?.destroy();
      this.state.model = new Model(this.context.device, {
        ...this.getShaders(),
        id: this.props.id,
        bufferLayout: this.getAttributeManager()!.getBufferLayouts({ isInstanced: false }),
        topology: 'point-list',
        isInstanced: false,
        vertexCount: this.getNumInstances(),
      });
      this.getAttributeManager()!.invalidateAll();
    }
  }

  override draw(): void {
    const model = this.state.model!;
    model.shaderInputs.setProps({
      pointSprite: { radiusPixels: this.props.radiusPixels, lineWidthPixels: this.props.lineWidthPixels },
    });
    model.setVertexCount(this.getNumInstances());
    model.draw(this.context.renderPass);
  }
}
