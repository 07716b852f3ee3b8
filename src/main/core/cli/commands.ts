import type { Command } from './command';

/** Every subcommand, in the order `greenlight --help` lists them. */
export const commands: Command[] = [
  {
    name: 'serve',
    summary: 'Serve the console to a browser on 127.0.0.1 (the browser host)',
    load: async () => (await import('./serve')).serveCommand,
  },
  {
    name: 'sandbox',
    summary:
      'Run the simulated AWS and Fixnado fleet on 127.0.0.1 (rehearsals, tests, the AWS CLI)',
    load: async () => (await import('./sandbox')).sandboxCommand,
  },
  {
    name: 'smoke',
    summary: 'Run a Postman smoke collection with newman against a fleet (the smoke gate)',
    load: async () => (await import('./smoke')).smokeCommand,
  },
  {
    name: 'probe',
    summary: 'Run the open-loop load probe against a URL (the load gate)',
    load: async () => (await import('./probe')).probeCommand,
  },
  {
    name: 'verify',
    summary:
      'Verify a release bundle (folder or zip) offline: every file hash and the journal chain',
    load: async () => (await import('./verify')).verifyCommand,
  },
  {
    name: 'preflight',
    summary:
      'Run every pre-check of a release (identity, image, secrets, alarms, group, nothing active)',
    load: async () => (await import('./preflight')).preflightCommand,
  },
  {
    name: 'rehearse',
    summary:
      'Walk the whole runbook unattended against the sandbox on a scenario, and judge how it ended',
    load: async () => (await import('./rehearse')).rehearseCommand,
  },
];
