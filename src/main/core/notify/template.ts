import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors';
import { resourcesDir } from '../paths';

/** Where the vault keeps the notice template (playbook section 7: governance/templates/deployment-notice.md). */
export const vaultTemplatePath = (vaultRoot: string): string =>
  join(vaultRoot, 'governance', 'templates', 'deployment-notice.md');

export const defaultTemplatePath = (): string =>
  join(resourcesDir(), 'templates', 'deployment-notice.md');

/** The vault's template when it has one, else Greenlight's default; `source` says which was used. */
export async function loadNoticeTemplate(
  vaultRoot: string | undefined,
): Promise<{ text: string; source: string }> {
  if (vaultRoot !== undefined) {
    const path = vaultTemplatePath(vaultRoot);
    try {
      return { text: await readFile(path, 'utf8'), source: path };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new AppError(
          'template-unreadable',
          `The notice template ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
          { path },
        );
      }
    }
  }
  const path = defaultTemplatePath();
  return { text: await readFile(path, 'utf8'), source: `built-in default (${path})` };
}
