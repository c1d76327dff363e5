/**
 * Software WebGL is told from the renderer strings browsers really report (WEBGL_debug_renderer_info).
 * The SwiftShader string is Debian Chromium's, read in this project's headless runs.
 */
import { describe, expect, it } from 'vitest';
import { isSoftwareRenderer } from '../../web/src/lib/webgl.ts';

describe('isSoftwareRenderer', () => {
  it('recognises CPU renderers', () => {
    for (const name of [
      'ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)',
      'Google SwiftShader',
      'llvmpipe (LLVM 15.0.6, 256 bits)',
      'ANGLE (Mesa, llvmpipe (LLVM 15.0.7 256 bits), OpenGL 4.5)',
      'ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)',
    ]) expect(isSoftwareRenderer(name), name).toBe(true);
  });

  it('leaves GPUs alone', () => {
    for (const name of [
      'ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 (0x00002503) Direct3D11 vs_5_0 ps_5_0, D3D11)',
      'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)',
      'Apple M1',
      'ANGLE (AMD, AMD Radeon RX 6600 (radeonsi navi23 LLVM 15.0.6), OpenGL 4.6)',
      'WebKit WebGL',
      '',
    ]) expect(isSoftwareRenderer(name), name).toBe(false);
  });
});
