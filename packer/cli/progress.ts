/** Where progress goes and how: a live line on a terminal, plain lines in logs. */
export interface ProgressOptions {
  tty: boolean;
  quiet: boolean;
  verbose: boolean;
}

export interface Progress {
  step(name: string): void;
  /** Ends the last step. */
  done(): void;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Progress of the long steps with elapsed times. On a TTY one line per step counts up,
 * then stays with its time; otherwise (or under CI) plain lines, timed with --verbose.
 */
export function createProgress(stream: { write(text: string): unknown }, options: ProgressOptions): Progress {
  if (options.quiet) return { step() {}, done() {} };
  let current: { name: string; started: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  const finish = () => {
    if (!current) return;
    const took = Date.now() - current.started;
    if (options.tty) {
      clearInterval(timer);
      stream.write(`\r\x1b[2Kpack: ${current.name} ${seconds(took)}\n`);
    } else if (options.verbose) {
      stream.write(`pack: ${current.name} took ${seconds(took)}\n`);
    }
    current = undefined;
  };
  return {
    step(name) {
      finish();
      current = { name, started: Date.now() };
      if (options.tty) {
        const draw = () => current && stream.write(`\r\x1b[2Kpack: ${current.name}… ${seconds(Date.now() - current.started)}`);
        draw();
        timer = setInterval(draw, 200);
        timer.unref();
      } else {
        stream.write(`pack: ${name}…\n`);
      }
    },
    done: finish,
  };
}
