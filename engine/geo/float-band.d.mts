import type { GeoTIFFImage } from 'geotiff';
/** See float-band.mjs: band 1 of a single-band float32 GeoTIFF (strips or tiles, none/deflate, no predictor, little-endian), or null. */
export function readFloat32Band(image: GeoTIFFImage, bytes: Uint8Array): Promise<Float32Array | null>;
export interface ScaleOffset { scale: number; offset: number; nodata: number | null }
export function scaleOffsetOf(image: GeoTIFFImage): Promise<ScaleOffset | null>;
export function applyScaleOffset(data: Float32Array, so: ScaleOffset | null): Float32Array;
/** See float-band.mjs: the GDAL_NODATA value as float32 pixels hold it (float32: the caller reads into a Float32Array). */
export function gdalNoData(image: GeoTIFFImage, opts?: { float32?: boolean }): number | null;
export function noDataFromText(text: string | null | undefined, image: GeoTIFFImage, opts?: { float32?: boolean }): number | null;
