/**
 * Progress lines for long CLI steps: a live counter on a TTY, plain start/end lines otherwise
 * (so CI logs stay readable).
 */
export interface Progress {
  update(done: number, total: number): void;
  done(summary?: string): void;
}

export function progress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const t0 = performance.now();
  const tty = Boolean(stream.isTTY);
  let last = 0;
  if (!tty) stream.write(`… ${label}\n`);
  return {
    update(done, total) {
      if (!tty) return;
      const now = performance.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const pct = total > 0 ? Math.floor((100 * done) / total) : 0;
      stream.write(`\r… ${label} ${pct}% (${done}/${total})\x1b[K`);
    },
    done(summary) {
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      stream.write(`${tty ? '\r' : ''}✓ ${label}${summary ? ` — ${summary}` : ''} (${s} s)${tty ? '\x1b[K' : ''}\n`);
    },
  };
}
