/** A text file written in ~1 MB chunks with back-pressure, so big layers never sit in one string. */
import { createWriteStream } from 'node:fs';

export class TextOut {
  private buf = '';
  private readonly out;
  private readonly done: Promise<void>;
  constructor(path: string) {
    this.out = createWriteStream(path);
    this.done = new Promise<void>((resolve, reject) => {
      this.out.on('error', reject);
      this.out.on('finish', resolve);
    });
    this.done.catch(() => {});
  }
  async write(s: string): Promise<void> {
    this.buf += s;
    if (this.buf.length > 1 << 20) {
      const b = this.buf;
      this.buf = '';
      if (!this.out.write(b)) await new Promise<void>((res) => this.out.once('drain', () => res()));
    }
  }
  async close(): Promise<void> {
    this.out.end(this.buf);
    this.buf = '';
    await this.done;
  }
}
