/**
 * Scoped loggers. Core code never calls console directly: a scope names where a line came from, and the sink can
 * be swapped (tests capture lines to assert that no secret was ever logged). Lines go to stderr so that a CLI's
 * stdout stays machine-readable.
 */
export type Logger = {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
};

type Sink = (line: string) => void;

let sink: Sink = (line) => {
  if (process.env['GREENLIGHT_LOG'] !== 'silent') process.stderr.write(line + '\n');
};

/** Replaces where log lines go; returns a function that restores the previous sink. */
export function setLogSink(next: Sink): () => void {
  const previous = sink;
  sink = next;
  return () => {
    sink = previous;
  };
}

export function createLogger(scope: string): Logger {
  const write = (level: string, message: string, fields?: Record<string, unknown>): void => {
    const suffix = fields === undefined ? '' : ' ' + JSON.stringify(fields);
    sink(`${new Date().toISOString()} ${level} [${scope}] ${message}${suffix}`);
  };
  return {
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}
