import type { GeoTIFFImage } from 'geotiff';
/** See float-band.mjs: band 1 of a single-band float32 GeoTIFF (strips or tiles, none/deflate, no predictor, little-endian), or null. */
export function readFloat32Band(image: GeoTIFFImage, bytes: Uint8Array): Promise<Float32Array | null>;
export function applyScaleOffset(image: GeoTIFFImage, data: Float32Array): Promise<Float32Array>;
