import cliProgress from 'cli-progress';
import type { Io } from './command';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const silent: Progress = { update() {}, stop() {} };

const mebibytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/**
 * A progress bar on stderr, only for a person watching: nothing when stderr is not a
 * terminal or the output is JSON, so scripts and logs never see bar redraws.
 */
export function progressBar(io: Io, title: string, total: number, unit: 'bytes' | 'emails') {
  if (io.json || !io.stderr.isTTY || total <= 0) return silent;

  const show = unit === 'bytes' ? mebibytes : (n: number) => n.toLocaleString('en');
  const label = unit === 'bytes' ? 'MiB' : 'emails';
  const bar = new cliProgress.SingleBar(
    {
      stream: io.stderr,
      format: `${title} [{bar}] {percentage}% | {done} of {size} ${label} | {eta_formatted} left`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let size = total;
  bar.start(size, 0, { done: show(0), size: show(size) });
  return {
    update(done: number) {
      // The queue can grow while it is sent (a server importing at the same time).
      if (done > size) bar.setTotal((size = done));
      bar.update(done, { done: show(done), size: show(size) });
    },
    stop: () => bar.stop(),
  };
}
