export interface BlockJob {
  path: string;
  compression: number;
  bitsPerSample: number;
  sampleFormat: number;
  blockWidth: number;
  blockHeight: number;
  blocks: { offset: number; byteCount: number; start: number; end: number }[];
  offsets: Int32Array;
}
export function sampleBlocks(job: BlockJob): Float64Array;
