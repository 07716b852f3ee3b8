import { z } from 'zod';

/** What crosses the boundary when something failed: a stable code, a human message, optional detail. */
export const AppErrorShape = z.object({
  code: z.string(),
  message: z.string(),
  detail: z.unknown().optional(),
});
export type AppErrorShape = z.infer<typeof AppErrorShape>;

/** Every request answers with a Result; nothing is thrown across a transport. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (code: string, message: string, detail?: unknown): Result<never> => ({
  ok: false,
  error: detail === undefined ? { code, message } : { code, message, detail },
});
