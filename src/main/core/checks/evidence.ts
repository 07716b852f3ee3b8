import { AppError } from '../errors';

/** A file-like piece of evidence a check produced (JUnit XML, a probe summary); the journal stores it verbatim. */
export type CheckArtifact = {
  name: string;
  mediaType: string;
  content: string;
};

/**
 * What every check hands the engine for the journal: what exactly it ran (the tool, the target, the settings; never
 * a secret), when, and its artifacts.
 */
export type CheckEvidence = {
  check: 'smoke' | 'probe' | 'version' | 'vpn';
  /** One line a release engineer can read, e.g. `newman run "Fixnado smoke" baseUrl=http://... delay=250ms`. */
  ran: string;
  startedAt: string;
  finishedAt: string;
  artifacts: CheckArtifact[];
};

/** Thrown (never returned) when the caller's AbortSignal fires; partial figures go in `detail`. */
export function cancelledError(check: string, detail?: Record<string, unknown>): AppError {
  return new AppError(
    'check_cancelled',
    `The ${check} check was cancelled before it finished.`,
    detail,
  );
}

/**
 * Parses an http(s) URL given for `field`; anything else is an AppError naming the field, so a typo never turns
 * into a hang or a request to somewhere unexpected.
 */
export function parseHttpUrl(value: unknown, field: string): URL {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new AppError(
      'invalid_input',
      `${field} is required: expected an http:// or https:// URL.`,
      { field },
    );
  }
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new AppError(
      'invalid_input',
      `${field} '${value}' is not a valid URL: expected e.g. http://127.0.0.1:8080.`,
      {
        field,
        value,
      },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AppError(
      'invalid_input',
      `${field} '${value}' must use http:// or https://, not ${url.protocol}`,
      {
        field,
        value,
      },
    );
  }
  return url;
}

/** Validates a finite number in [min, max] for `field`, naming the field and the accepted range when it is not. */
export function requireNumber(
  value: unknown,
  field: string,
  min: number,
  max: number,
  unit: string,
  options: { integer?: boolean; exclusiveMin?: boolean } = {},
): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (options.exclusiveMin === true ? value > min : value >= min) &&
    value <= max &&
    (options.integer !== true || Number.isInteger(value));
  if (!ok) {
    const lower = options.exclusiveMin === true ? `more than ${min}` : `at least ${min}`;
    throw new AppError(
      'invalid_input',
      `${field} must be ${options.integer === true ? 'a whole number ' : 'a number '}${lower} and at most ${max} ${unit}; got ${String(value)}.`,
      { field, value: typeof value === 'number' ? value : String(value), min, max },
    );
  }
  return value;
}
