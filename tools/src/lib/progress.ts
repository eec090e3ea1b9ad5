import { SingleBar, Presets } from 'cli-progress';

/** A terminal progress bar fed with `{done, total, skipped}` updates. */
export interface ProgressBar {
  update(progress: { done: number; total: number; skipped?: number }): void;
  stop(): void;
}

/**
 * A cli-progress bar titled `title` on stderr (so stdout stays clean for summaries and JSON).
 * Off a terminal it prints nothing until `stop`.
 */
export function createProgressBar(title: string): ProgressBar {
  const bar = new SingleBar(
    {
      format: `${title} [{bar}] {percentage}% | {value}/{total} | skipped {skipped} | {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 200,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update({ done, total, skipped = 0 }) {
      if (!started) {
        bar.start(total, done, { skipped });
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, { skipped });
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
