import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { z } from 'zod';
import { AppError } from '../errors';
import { lineOf, parseLocatedYaml, zodIssueProblem } from '../yaml-errors';
import {
  defaultResources,
  environmentsFileSchema,
  type Environment,
  type EnvironmentFileEntry,
} from './environment';
import { sandboxEnvironment, type SandboxLike } from './sandbox-environment';

/** Where Greenlight's own settings live: `$XDG_CONFIG_HOME/greenlight` (or the platform's equivalent). */
export function defaultConfigDir(): string {
  if (process.env['GREENLIGHT_CONFIG_DIR']) return process.env['GREENLIGHT_CONFIG_DIR'];
  if (process.platform === 'darwin')
    return join(homedir(), 'Library', 'Application Support', 'greenlight');
  if (process.platform === 'win32') return join(process.env['APPDATA'] ?? homedir(), 'greenlight');
  return join(process.env['XDG_CONFIG_HOME'] || join(homedir(), '.config'), 'greenlight');
}

/** `<user config dir>/greenlight/environments.yaml`. */
export const defaultEnvironmentsFile = (): string => join(defaultConfigDir(), 'environments.yaml');

/** The environments Greenlight knows: the built-in `sandbox` plus those of the config file (if it exists). */
export type LoadedEnvironments = {
  file: string;
  fileExists: boolean;
  /** Every environment name, `sandbox` first. */
  names: string[];
  /** The file's environments, resolved (defaults applied). The sandbox is not here: see `resolveEnvironment`. */
  environments: Record<string, Environment>;
};

type Located = { file: string; line?: number };

function where(loc: Located): string {
  return loc.line === undefined ? loc.file : `${loc.file}:${loc.line}`;
}

function configError(loc: Located, keyPath: string, expected: string): AppError {
  return new AppError('config-invalid', `${where(loc)}: ${keyPath}: ${expected}`, {
    file: loc.file,
    line: loc.line,
    key: keyPath,
    expected,
  });
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')} (check the spelling)`;
  }
  if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input')) {
    return `expected ${issue.expected}`;
  }
  return issue.message;
}

function toEnvironment(name: string, entry: EnvironmentFileEntry, file: string): Environment {
  const base = dirname(file);
  const fromFile = (p: string | undefined): string | undefined =>
    p === undefined ? undefined : isAbsolute(p) ? p : resolve(base, p);
  const defaults = defaultResources(name);
  const r = entry.resources ?? {};
  return {
    name,
    kind: 'aws',
    source: file,
    profile: entry.profile,
    region: entry.region,
    accountId: entry.accountId,
    endpoint: entry.endpoint,
    resources: {
      cluster: r.cluster ?? defaults.cluster,
      service: r.service ?? defaults.service,
      codedeployApplication: r.codedeployApplication ?? defaults.codedeployApplication,
      deploymentGroup: r.deploymentGroup ?? defaults.deploymentGroup,
      taskFamily: r.taskFamily ?? defaults.taskFamily,
      containerName: r.containerName ?? defaults.containerName,
      containerPort: r.containerPort ?? defaults.containerPort,
      ecrRepository: r.ecrRepository ?? defaults.ecrRepository,
      alarmNames: r.alarmNames ?? defaults.alarmNames,
    },
    validationUrl: entry.validationUrl,
    productionUrl: entry.productionUrl,
    permittedCidrs: entry.permittedCidrs,
    secrets: entry.secrets,
    vaultRoot: fromFile(entry.vaultRoot) ?? entry.vaultRoot,
    thresholds: entry.thresholds,
    smokeCollection: fromFile(entry.smokeCollection),
    k6Script: fromFile(entry.k6Script),
    integrations: entry.integrations,
  };
}

/**
 * Parses the text of an environments file. Every problem is an `AppError('config-invalid')` whose message names
 * the file, the line (when the YAML node can be located), the key path and what was expected. Values are never
 * echoed (a token pasted by mistake must not end up in a log).
 */
export function parseEnvironments(text: string, file: string): Record<string, Environment> {
  const yaml = parseLocatedYaml(text);
  if (yaml.syntaxProblem !== undefined) {
    const { line, path, message } = yaml.syntaxProblem;
    throw configError({ file, line }, path, message);
  }
  const raw: unknown = yaml.doc.toJS() ?? {};
  const parsed = environmentsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue === undefined) throw configError({ file }, '(root)', 'could not be read');
    const { line, path, message } = zodIssueProblem(yaml, issue, describeIssue);
    throw configError({ file, line }, path, message);
  }
  if ('sandbox' in parsed.data.environments) {
    const line = lineOf(yaml, ['environments', 'sandbox']);
    throw configError(
      { file, line },
      'environments.sandbox',
      "'sandbox' is built in (the embedded sandbox); choose another name",
    );
  }
  const environments: Record<string, Environment> = {};
  for (const [name, entry] of Object.entries(parsed.data.environments)) {
    environments[name] = toEnvironment(name, entry, file);
  }
  return environments;
}

/**
 * Reads the environments file (default `<user config dir>/greenlight/environments.yaml`). A missing file is not an
 * error: Greenlight then knows only the built-in `sandbox` environment.
 */
export async function loadEnvironments(
  options: { path?: string } = {},
): Promise<LoadedEnvironments> {
  const file = resolve(options.path ?? defaultEnvironmentsFile());
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && options.path === undefined) {
      return { file, fileExists: false, names: ['sandbox'], environments: {} };
    }
    if (code === 'ENOENT') {
      throw new AppError(
        'config-missing',
        `${file}: no such file (given as the environments config).`,
        { file },
      );
    }
    throw new AppError('config-unreadable', `${file}: cannot be read (${code ?? 'error'}).`, {
      file,
    });
  }
  const environments = parseEnvironments(text, file);
  return { file, fileExists: true, names: ['sandbox', ...Object.keys(environments)], environments };
}

/**
 * The environment called `name`. `sandbox` needs the running sandbox (its endpoint and fleet URLs are only known
 * once it has started).
 */
export function resolveEnvironment(
  loaded: LoadedEnvironments,
  name: string,
  options: { sandbox?: SandboxLike } = {},
): Environment {
  if (name === 'sandbox') {
    if (options.sandbox === undefined) {
      throw new AppError(
        'sandbox-not-running',
        "The 'sandbox' environment needs the embedded sandbox running.",
      );
    }
    return sandboxEnvironment(options.sandbox);
  }
  const env = loaded.environments[name];
  if (env === undefined) {
    const known = loaded.names.join(', ');
    const from = loaded.fileExists ? loaded.file : `${loaded.file} (which does not exist)`;
    throw new AppError(
      'environment-unknown',
      `No environment '${name}' in ${from}; known: ${known}.`,
      {
        environment: name,
        file: loaded.file,
      },
    );
  }
  return env;
}
