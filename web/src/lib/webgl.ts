/**
 * Whether WebGL runs on the CPU (SwiftShader, llvmpipe): headless browsers, virtual desktops and
 * machines without a GPU. There every pixel of every frame costs CPU, so the map avoids what only
 * looks better on a GPU (multisampling deck.gl's full-size canvas).
 */
export function isSoftwareRenderer(renderer: string): boolean {
  return /swiftshader|llvmpipe|softpipe|software (adapter|rasterizer)|microsoft basic render/i.test(renderer);
}

/** The renderer of an existing WebGL 2 canvas (getContext returns its context; none is created). */
export function rendererOf(canvas: HTMLCanvasElement): string {
  const gl = canvas.getContext('webgl2');
  if (!gl) return '';
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}
