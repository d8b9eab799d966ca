/**
 * @file Progress on stderr for every long job — extraction (images), training and latent fits
 * (steps): one reporter that draws a bar with speed and ETA when stderr is a terminal (and not CI),
 * and otherwise writes a plain line every few seconds and at the end, so logs of batch jobs still
 * show life. What differs between jobs is only the wording, a {@link ProgressFormat}. Library code
 * only emits events; this is where they are drawn.
 */
import cliProgress from 'cli-progress';
import type { ExtractionProgress } from '../features/extract.js';

export type Stream = { write(chunk: string): unknown; isTTY?: boolean };

/** Seconds between plain progress lines when stderr is not a terminal. */
export const LINE_INTERVAL_S = 10;

/** What a plain line or the bar shows at one moment. */
export interface ProgressState {
  readonly done: number;
  readonly total: number;
  /** Job-specific text (losses, best MSE); empty when the job has none. */
  readonly detail: string;
  /** Units per second since `start` (counting from the unit the job started at). */
  readonly speed: string;
  readonly seconds: number;
  /** True for the line written when the job ends. */
  readonly last: boolean;
}

/** The wording of one kind of job. */
export interface ProgressFormat {
  /** cli-progress template; may use {bar} {value} {total} {detail} {speed} {eta_formatted}. */
  readonly bar: string;
  /** A plain (non-terminal) line, without the newline. */
  line(state: ProgressState): string;
  /** Samples cli-progress averages for the ETA. */
  readonly etaBuffer?: number;
}

/** A bar on a terminal, plain lines elsewhere; `start`, any number of `update`s, then `end`. */
export class Progress {
  private bar?: cliProgress.SingleBar;
  private started = 0;
  private first = 0;
  private lastLine = 0;
  private total = 0;
  private readonly interactive: boolean;

  constructor(
    private readonly stream: Stream,
    private readonly format: ProgressFormat,
  ) {
    this.interactive = Boolean(stream.isTTY) && !process.env.CI;
  }

  start(total: number, done = 0, detail = ''): void {
    this.started = this.lastLine = Date.now();
    this.first = done;
    this.total = total;
    if (!this.interactive) return;
    this.bar = new cliProgress.SingleBar(
      { format: this.format.bar, stream: this.stream as NodeJS.WritableStream, hideCursor: true, etaBuffer: this.format.etaBuffer ?? 50 },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, done, { detail, speed: '0.0' });
  }

  update(done: number, detail = ''): void {
    this.draw(done, detail, false);
  }

  /** The last update: stops the bar, or writes the closing plain line. */
  end(done = this.total, detail = ''): void {
    this.draw(done, detail, true);
  }

  private draw(done: number, detail: string, last: boolean): void {
    const now = Date.now();
    const seconds = Math.max((now - this.started) / 1000, 1e-3);
    const speed = ((done - this.first) / seconds).toFixed(1);
    if (this.bar) {
      this.bar.update(done, { detail, speed });
      if (last) {
        this.bar.stop();
        this.bar = undefined;
      }
      return;
    }
    if (this.interactive) return; // ended already
    if (last || now - this.lastLine >= LINE_INTERVAL_S * 1000) {
      this.lastLine = now;
      this.stream.write(`${this.format.line({ done, total: this.total, detail, speed, seconds, last })}\n`);
    }
  }
}

/** Extraction of one input: "set_a: 12/12 images, 9.8 img/s, done in 1.2 s". */
export function imagesFormat(input: string): ProgressFormat {
  return {
    bar: `${input} |{bar}| {value}/{total} images | {speed} img/s | ETA {eta_formatted}`,
    line: (s) => `${input}: ${s.done}/${s.total} images, ${s.speed} img/s${s.last ? `, done in ${s.seconds.toFixed(1)} s` : ''}`,
  };
}

/** Optimisation steps with the job's figures: "step 3/3: loss 0.1234". */
export function stepsFormat(label: string, extra: (s: ProgressState) => string = () => ''): ProgressFormat {
  return {
    bar: `${label} |{bar}| {value}/{total} steps | {detail} | {speed} steps/s | ETA {eta_formatted}`,
    line: (s) => `step ${s.done}/${s.total}: ${s.detail}${extra(s)}`,
    etaBuffer: 200,
  };
}

/** Extraction progress of several inputs, one {@link Progress} per input (score, stats, features, sweep). */
export class ProgressReporter {
  private current?: Progress;

  constructor(private readonly stream: Stream) {}

  /** Handle one event of input `input` (bound, so it can be passed as a callback). */
  readonly update = (input: string, e: ExtractionProgress): void => {
    if (e.type === 'start') {
      this.current = new Progress(this.stream, imagesFormat(input));
      this.current.start(e.total);
    } else if (e.type === 'end') {
      this.current?.end(e.done);
      this.current = undefined;
    } else this.current?.update(e.done);
  };
}
