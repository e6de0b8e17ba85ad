import { SingleBar } from 'cli-progress';

/**
 * A progress bar on stderr with rate and ETA, for long work (bulk submits,
 * waiting for many tasks, bulk replays). Drawn only on a terminal:
 * cli-progress writes nothing to a pipe or file (`noTTYOutput: false`), so
 * scripts and `--json` output stay clean; a summary line follows either way.
 */
export class Progress {
  readonly #bar: SingleBar;
  readonly #started = Date.now();
  #value = 0;

  constructor(label: string, total: number, options: { stream?: NodeJS.WriteStream; enabled?: boolean } = {}) {
    const stream = options.stream ?? process.stderr;
    this.#bar = new SingleBar({
      format: `${label} [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted}{extra}`,
      stream,
      hideCursor: true,
      noTTYOutput: false,
      etaBuffer: 50,
      fps: 10,
      barsize: 30,
    });
    if (options.enabled !== false) this.#bar.start(total, 0, { rate: '0.0', extra: '' });
  }

  /** One more done; `extra` is appended to the line (e.g. ", 2 failed"). */
  increment(extra = ''): void {
    this.advance(1, extra);
  }

  /** `count` more done at once (a page of work). */
  advance(count: number, extra = ''): void {
    this.#value += count;
    const seconds = (Date.now() - this.#started) / 1000;
    this.#bar.update(this.#value, { rate: seconds > 0 ? (this.#value / seconds).toFixed(1) : '0.0', extra });
  }

  stop(): void {
    this.#bar.stop();
  }
}
