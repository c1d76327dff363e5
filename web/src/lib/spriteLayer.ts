/**
 * Monuments drawn by MapLibre itself: a custom layer of WebGL point sprites (one vertex per
 * point, one draw call) in the map's own context, with picking on the CPU.
 *
 * Why not a deck.gl layer: in software WebGL (SwiftShader: headless browsers, machines without
 * a GPU) the first screen is CPU-bound, and deck.gl there costs ~1.5 CPU-seconds before the
 * first frame (0.73 MB of code to compile, a second full-size WebGL canvas to draw and read
 * back, its shader assembly). Here the monuments ride in MapLibre's frames; deck.gl is loaded
 * later, only for the overlays that need it (detections, known sites).
 *
 * Precision: positions are Web Mercator [0, 1] split into a float32 high part and the
 * remainder; the shader subtracts the view centre from each part before adding them, and the
 * matrix is moved to the centre in float64 on the CPU, so points stay put to the pixel at
 * zoom 20 (float32 alone is ~8 px off at zoom 18).
 *
 * Sizes are CSS pixels. Draw order is point order (later points on top), and `pick` returns
 * the topmost point whose disc covers the pixel, as the screen shows it.
 */
import Flatbush from 'flatbush';
import type { CustomLayerInterface, CustomRenderMethodInput, Map as MaplibreMap } from 'maplibre-gl';

/** Points as the layer takes them: interleaved lon/lat, and RGBA bytes per point. */
export interface SpriteData {
  length: number;
  /** lon, lat, lon, lat… (WGS84 degrees) */
  positions: Float32Array;
  fill: Uint8Array;
  line: Uint8Array;
}

export interface SpriteStyle {
  /** Radius of the disc, CSS pixels. */
  radiusPixels: number;
  /** Width of the ring drawn in the line colour, CSS pixels. */
  lineWidthPixels: number;
}

/** Web Mercator [0, 1] of a WGS84 position (north-west corner 0, 0), as MapLibre's MercatorCoordinate. */
export function mercator(lon: number, lat: number): [number, number] {
  const phi = (Math.max(-85.051129, Math.min(85.051129, lat)) * Math.PI) / 180;
  return [(lon + 180) / 360, (1 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / Math.PI) / 2];
}

/** Outer radius of a sprite's disc (ring included), CSS pixels. */
export function outerRadius(style: SpriteStyle): number {
  return style.radiusPixels + style.lineWidthPixels / 2;
}

/** How long the points wait at most for the basemap's first tiles. */
const HOLD_MS = 3000;

const vs = /* glsl */ `#version 300 es
uniform mat4 u_matrix;
uniform vec2 u_center_hi;
uniform vec2 u_center_lo;
uniform float u_outer;
uniform float u_dpr;
uniform float u_highlight;
uniform vec4 u_highlight_color;
in vec4 a_position;
in vec4 a_fill;
in vec4 a_line;
in float a_index;
out vec4 v_fill;
out vec4 v_line;
void main() {
  vec2 delta = (a_position.xy - u_center_hi) + (a_position.zw - u_center_lo);
  gl_Position = u_matrix * vec4(delta, 0.0, 1.0);
  gl_PointSize = 2.0 * (u_outer + 0.5) * u_dpr;
  bool lit = abs(a_index - u_highlight) < 0.5;
  v_fill = lit ? u_highlight_color : a_fill;
  v_line = a_line;
}
`;

/** Half a pixel of antialiasing on each side of the outer edge (the sprite's border); premultiplied output. */
const fs = /* glsl */ `#version 300 es
precision highp float;
uniform float u_outer;
uniform float u_line_width;
uniform float u_opacity;
in vec4 v_fill;
in vec4 v_line;
out vec4 fragColor;
void main() {
  float inner = u_outer - u_line_width;
  vec2 unit = gl_PointCoord * 2.0 - 1.0;
  float d = length(unit) * (u_outer + 0.5);
  float inCircle = 1.0 - smoothstep(u_outer - 0.5, u_outer + 0.5, d);
  if (inCircle <= 0.0) discard;
  float isLine = smoothstep(inner - 0.5, inner + 0.5, d);
  vec4 c = mix(v_fill, v_line, isLine);
  float a = c.a * inCircle * u_opacity;
  fragColor = vec4(c.rgb * a, a);
}
`;

interface GpuSet {
  vao: WebGLVertexArrayObject;
  buffers: WebGLBuffer[];
  count: number;
}

/** One set of points with its own buffers and style (the monuments; the selection ring). */
interface SpriteSet {
  data: SpriteData | null;
  style: SpriteStyle;
  /** Mercator x, y as float64, for picking. */
  merc: Float64Array;
  index: Flatbush | null;
  gpu: GpuSet | null;
  dirty: boolean;
}

function emptySet(style: SpriteStyle): SpriteSet {
  return { data: null, style, merc: new Float64Array(0), index: null, gpu: null, dirty: false };
}

export class SpriteLayer implements CustomLayerInterface {
  readonly type = 'custom' as const;
  readonly renderingMode = '2d' as const;
  private map: MaplibreMap | null = null;
  private program: WebGLProgram | null = null;
  private loc: Record<string, WebGLUniformLocation | null> = {};
  private points: SpriteSet;
  private ring: SpriteSet = emptySet({ radiusPixels: 8, lineWidthPixels: 3 });
  private highlight = -1;
  private readonly highlightColor: [number, number, number, number];
  /** Until the basemap's sources and first tiles are all in (or HOLD_MS passed), frames draw no points. */
  private holding = true;
  private holdTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly id: string,
    style: SpriteStyle,
    /** Called after each frame that drew the points, with how many were drawn. */
    private readonly onDrawn: (count: number) => void = () => undefined,
    highlightColor: [number, number, number, number] = [255, 204, 0, 255],
  ) {
    this.points = emptySet(style);
    this.highlightColor = highlightColor;
  }

  /** Replaces the points (uploaded at the next frame). */
  setData(data: SpriteData): void {
    if (data === this.points.data) return;
    this.points = { ...this.points, data, merc: toMercator(data.positions), index: null, dirty: true };
    this.highlight = -1;
    this.map?.triggerRepaint();
  }

  setStyle(style: SpriteStyle): void {
    if (style.radiusPixels === this.points.style.radiusPixels && style.lineWidthPixels === this.points.style.lineWidthPixels) return;
    this.points.style = style;
    this.map?.triggerRepaint();
  }

  /** Draws point `index` in the highlight colour (-1: none). */
  setHighlight(index: number): void {
    if (index === this.highlight) return;
    this.highlight = index;
    this.map?.triggerRepaint();
  }

  /** A ring around one position, drawn above the points (null: none). */
  setRing(at: [number, number] | null, style: SpriteStyle, color: [number, number, number, number]): void {
    if (!at && !this.ring.data) return;
    const data: SpriteData | null = at
      ? { length: 1, positions: Float32Array.from(at), fill: new Uint8Array(4), line: Uint8Array.from(color) }
      : null;
    this.ring = { ...this.ring, data, style, merc: data ? toMercator(data.positions) : new Float64Array(0), dirty: true };
    this.map?.triggerRepaint();
  }

  /**
   * The topmost point whose disc covers (x, y), CSS pixels relative to the map container,
   * or -1. Exact for what is drawn: same centre, same outer radius, later points on top.
   */
  pick(x: number, y: number): number {
    const map = this.map;
    const set = this.points;
    if (!map || !set.data || set.data.length === 0) return -1;
    set.index ??= buildIndex(set.merc);
    const at = map.unproject([x, y]);
    const [mx, my] = mercator(at.lng, at.lat);
    const worldPx = 512 * 2 ** map.getZoom();
    // Within the disc plus half a pixel of its antialiased edge.
    const reach = (outerRadius(set.style) + 0.5) / worldPx;
    let best = -1;
    for (const i of set.index.neighbors(mx, my, Infinity, reach)) if (i > best) best = i;
    return best;
  }

  onAdd(map: MaplibreMap, gl: WebGL2RenderingContext): void {
    this.map = map;
    // While the basemap loads, MapLibre draws a frame for each batch of tiles that arrives;
    // in software WebGL each frame with 46,000 points costs ~50 ms more, and the points are
    // better shown once over a finished basemap. A basemap that never finishes (a style
    // server that does not answer) holds them back HOLD_MS at most.
    this.holdTimer = setTimeout(() => {
      this.holding = false;
      map.triggerRepaint();
    }, HOLD_MS);
    const program = gl.createProgram()!;
    for (const [type, source] of [
      [gl.VERTEX_SHADER, vs],
      [gl.FRAGMENT_SHADER, fs],
    ] as const) {
      const shader = gl.createShader(type)!;
      gl.shaderSource(shader, source);
      gl.compileShader(shader);
      gl.attachShader(program, shader);
    }
    gl.bindAttribLocation(program, 0, 'a_position');
    gl.bindAttribLocation(program, 1, 'a_fill');
    gl.bindAttribLocation(program, 2, 'a_line');
    gl.bindAttribLocation(program, 3, 'a_index');
    gl.linkProgram(program);
    // Checked once, after linking: asking earlier would stall on each compile.
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`monument layer shaders: ${gl.getProgramInfoLog(program)}`);
    this.program = program;
    for (const name of ['u_matrix', 'u_center_hi', 'u_center_lo', 'u_outer', 'u_dpr', 'u_highlight', 'u_highlight_color', 'u_line_width', 'u_opacity']) {
      this.loc[name] = gl.getUniformLocation(program, name);
    }
    this.points.dirty = true;
    this.ring.dirty = true;
  }

  onRemove(_map: MaplibreMap, gl: WebGL2RenderingContext): void {
    clearTimeout(this.holdTimer);
    for (const set of [this.points, this.ring]) release(gl, set);
    if (this.program) gl.deleteProgram(this.program);
    this.program = null;
    this.map = null;
  }

  render(gl: WebGL2RenderingContext, args: CustomRenderMethodInput): void {
    const map = this.map;
    if (!map || !this.program) return;
    if (this.holding) {
      if (!map.isStyleLoaded()) return;
      this.holding = false;
      clearTimeout(this.holdTimer);
    }
    for (const set of [this.points, this.ring]) if (set.dirty) upload(gl, set);
    const drawn = this.points.gpu?.count ?? 0;
    if (drawn === 0 && !this.ring.gpu) return;

    // The matrix moved to the view centre in float64; points are sent relative to it.
    const c = map.getCenter();
    const [cx, cy] = mercator(c.lng, c.lat);
    const hi = [Math.fround(cx), Math.fround(cy)];
    const m = args.defaultProjectionData.mainMatrix;
    const moved = new Float32Array(16);
    for (let row = 0; row < 4; row++) {
      moved[row] = m[row];
      moved[4 + row] = m[4 + row];
      moved[8 + row] = m[8 + row];
      moved[12 + row] = m[row] * cx + m[4 + row] * cy + m[12 + row];
    }
    gl.useProgram(this.program);
    gl.uniformMatrix4fv(this.loc.u_matrix, false, moved);
    gl.uniform2f(this.loc.u_center_hi, hi[0], hi[1]);
    gl.uniform2f(this.loc.u_center_lo, cx - hi[0], cy - hi[1]);
    gl.uniform1f(this.loc.u_dpr, map.getPixelRatio());
    gl.uniform4f(this.loc.u_highlight_color, ...(this.highlightColor.map((v) => v / 255) as [number, number, number, number]));
    gl.uniform1f(this.loc.u_opacity, 1);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    gl.disable(gl.DEPTH_TEST);
    gl.disable(gl.STENCIL_TEST);
    gl.disable(gl.CULL_FACE);
    for (const [set, highlight] of [
      [this.points, this.highlight],
      [this.ring, -1],
    ] as const) {
      if (!set.gpu || set.gpu.count === 0) continue;
      gl.uniform1f(this.loc.u_outer, outerRadius(set.style));
      gl.uniform1f(this.loc.u_line_width, set.style.lineWidthPixels);
      gl.uniform1f(this.loc.u_highlight, highlight);
      gl.bindVertexArray(set.gpu.vao);
      gl.drawArrays(gl.POINTS, 0, set.gpu.count);
    }
    gl.bindVertexArray(null);
    if (drawn > 0) this.onDrawn(drawn);
  }
}

function toMercator(positions: Float32Array): Float64Array {
  const n = positions.length >> 1;
  const out = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const [x, y] = mercator(positions[2 * i], positions[2 * i + 1]);
    out[2 * i] = x;
    out[2 * i + 1] = y;
  }
  return out;
}

function buildIndex(merc: Float64Array): Flatbush {
  const n = merc.length >> 1;
  const index = new Flatbush(Math.max(1, n));
  for (let i = 0; i < n; i++) index.add(merc[2 * i], merc[2 * i + 1], merc[2 * i], merc[2 * i + 1]);
  if (n === 0) index.add(0, 0, 0, 0);
  index.finish();
  return index;
}

function release(gl: WebGL2RenderingContext, set: SpriteSet): void {
  if (!set.gpu) return;
  gl.deleteVertexArray(set.gpu.vao);
  for (const b of set.gpu.buffers) gl.deleteBuffer(b);
  set.gpu = null;
}

/** Sends a set's points to the GPU: high/low Mercator parts, colours, indexes. */
function upload(gl: WebGL2RenderingContext, set: SpriteSet): void {
  release(gl, set);
  set.dirty = false;
  const data = set.data;
  if (!data || data.length === 0) return;
  const n = data.length;
  const pos = new Float32Array(4 * n);
  const indexes = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = set.merc[2 * i];
    const y = set.merc[2 * i + 1];
    const hx = Math.fround(x);
    const hy = Math.fround(y);
    pos[4 * i] = hx;
    pos[4 * i + 1] = hy;
    pos[4 * i + 2] = x - hx;
    pos[4 * i + 3] = y - hy;
    indexes[i] = i;
  }
  const vao = gl.createVertexArray()!;
  gl.bindVertexArray(vao);
  const buffers: WebGLBuffer[] = [];
  const attribute = (loc: number, array: ArrayBufferView, size: number, type: number, normalized: boolean) => {
    const buffer = gl.createBuffer()!;
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.bufferData(gl.ARRAY_BUFFER, array, gl.STATIC_DRAW);
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, size, type, normalized, 0, 0);
    buffers.push(buffer);
  };
  attribute(0, pos, 4, gl.FLOAT, false);
  attribute(1, data.fill, 4, gl.UNSIGNED_BYTE, true);
  attribute(2, data.line, 4, gl.UNSIGNED_BYTE, true);
  attribute(3, indexes, 1, gl.FLOAT, false);
  gl.bindVertexArray(null);
  gl.bindBuffer(gl.ARRAY_BUFFER, null);
  set.gpu = { vao, buffers, count: n };
}
