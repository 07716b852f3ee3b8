import type { AppErrorShape } from '../../shared/result';

/**
 * The one error type core code throws on purpose. `code` is stable (tests and the UI key on it), `message` is
 * for a person, `detail` carries structured facts (the AWS error name, request id, the field that was wrong).
 * Anything else that is thrown is a bug and surfaces as `internal`.
 */
export class AppError extends Error {
  readonly code: string;
  readonly detail: Record<string, unknown> | undefined;
  constructor(code: string, message: string, detail?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.detail = detail;
  }

  toShape(): AppErrorShape {
    return this.detail === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, detail: this.detail };
  }
}

/** Turns anything thrown into the shape sent across the boundary, without leaking stack traces. */
export function toErrorShape(error: unknown): AppErrorShape {
  if (error instanceof AppError) return error.toShape();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message };
}
