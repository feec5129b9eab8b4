import { Presets, SingleBar } from 'cli-progress';

/**
 * Progress of a long command: a bar with rate and ETA on a terminal, a log line every few
 * seconds otherwise (CI logs, cron mail), so nobody watches a silent command.
 */
export interface Progress {
  /** `count` more done (one by default). */
  increment(count?: number): void;
  stop(): void;
}

export function startProgress(
  label: string,
  total: number,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const started = Date.now();
  let done = 0;
  const rate = () => done / Math.max(0.001, (Date.now() - started) / 1000);
  if (stream.isTTY) {
    const bar = new SingleBar(
      {
        format: `${label} [{bar}] {value}/{total} · {speed}/s · ETA {eta_formatted}`,
        stream,
        hideCursor: true,
      },
      Presets.shades_classic,
    );
    bar.start(total, 0, { speed: '0' });
    return {
      increment(count = 1) {
        done += count;
        bar.increment(count, { speed: rate().toFixed(0) });
      },
      stop: () => bar.stop(),
    };
  }
  const line = () => {
    const left = rate() > 0 ? Math.round((total - done) / rate()) : undefined;
    stream.write(
      `${label}: ${done}/${total} · ${rate().toFixed(0)}/s${left !== undefined ? ` · ETA ${left}s` : ''}\n`,
    );
  };
  const timer = setInterval(line, 5000);
  timer.unref();
  return {
    increment(count = 1) {
      done += count;
    },
    stop() {
      clearInterval(timer);
      line();
    },
  };
}
