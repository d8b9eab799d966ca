/**
 * @file Progress on stderr for long extractions: one bar per input with images/s and ETA when
 * stderr is a terminal (and not CI), otherwise a plain line every few seconds so logs of batch jobs
 * still show life. Library code only emits events; this is where they are drawn.
 */
import cliProgress from 'cli-progress';
import type { ExtractionProgress } from '../features/extract.js';

type Stream = { write(chunk: string): unknown; isTTY?: boolean };

/** Seconds between plain progress lines when stderr is not a terminal. */
const LINE_INTERVAL_S = 10;

export class ProgressReporter {
  private bar?: cliProgress.SingleBar;
  private started = 0;
  private lastLine = 0;
  private readonly interactive: boolean;

  constructor(private readonly stream: Stream) {
    this.interactive = Boolean(stream.isTTY) && !process.env.CI;
  }

  /** Handle one event of input `input` (bound, so it can be passed as a callback). */
  readonly update = (input: string, e: ExtractionProgress): void => {
    const now = Date.now();
    if (e.type === 'start') {
      this.started = now;
      this.lastLine = now;
      if (this.interactive) {
        this.bar = new cliProgress.SingleBar(
          {
            format: `${input} |{bar}| {value}/{total} images | {speed} img/s | ETA {eta_formatted}`,
            stream: this.stream as NodeJS.WritableStream,
            hideCursor: true,
            etaBuffer: 50,
          },
          cliProgress.Presets.shades_classic,
        );
        this.bar.start(e.total, 0, { speed: '0.0' });
      }
      return;
    }
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const speed = (e.done / seconds).toFixed(1);
    if (this.bar) {
      this.bar.update(e.done, { speed });
      if (e.type === 'end') {
        this.bar.stop();
        this.bar = undefined;
      }
      return;
    }
    if (e.type === 'end' || now - this.lastLine >= LINE_INTERVAL_S * 1000) {
      this.lastLine = now;
      this.stream.write(`${input}: ${e.done}/${e.total} images, ${speed} img/s${e.type === 'end' ? `, done in ${seconds.toFixed(1)} s` : ''}\n`);
    }
  };
}
