import { z } from 'zod';
import type { RequestName, EventName } from './contract-names';

/**
 * The contract between the renderer and main, whatever carries it (Electron IPC or the browser host's WebSocket).
 * Every request is `<domain>.<verb>` with a zod input and output schema; every pushed event has a payload schema.
 * Main validates every input whichever transport it came by; a request answers with a `Result` (see result.ts).
 */

export const HostKind = z.enum(['electron', 'browser']);
export type HostKind = z.infer<typeof HostKind>;

export const EnvironmentSummary = z.object({
  name: z.string(),
  /** Where its AWS calls go: the embedded sandbox or a real account. */
  target: z.enum(['sandbox', 'aws']),
  region: z.string(),
  accountId: z.string().optional(),
});
export type EnvironmentSummary = z.infer<typeof EnvironmentSummary>;

export const AppInfo = z.object({
  product: z.literal('Greenlight'),
  version: z.string(),
  hostKind: HostKind,
  environments: z.array(EnvironmentSummary),
  /** Problems found while loading the environments file, shown to the operator instead of failing the launch. */
  configProblems: z.array(z.string()),
});
export type AppInfo = z.infer<typeof AppInfo>;

const NoInput = z.object({}).strict();

export const requests = {
  /** Product, version, how the console is hosted and the environments it can release to. */
  'app.info': { input: NoInput, output: AppInfo },
} as const satisfies Record<RequestName, { input: z.ZodType; output: z.ZodType }>;

export const events = {
  /** Main's view of a long task's progress (export, smoke run, probe): shown as a progress bar. */
  'app.progress': z.object({
    task: z.string(),
    done: z.number().nonnegative(),
    total: z.number().nonnegative(),
    label: z.string().optional(),
  }),
} as const satisfies Record<EventName, z.ZodType>;

export type Requests = typeof requests;
export type RequestInput<K extends RequestName> = z.input<Requests[K]['input']>;
/** What a handler receives: the input after parsing (defaults applied). */
export type ParsedInput<K extends RequestName> = z.infer<Requests[K]['input']>;
export type RequestOutput<K extends RequestName> = z.infer<Requests[K]['output']>;
export type EventPayload<K extends EventName> = z.infer<(typeof events)[K]>;
