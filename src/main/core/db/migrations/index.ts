import type { Migration } from '../migrate';
import { migration0010 } from './0010-evidence';

/**
 * Every schema migration, oldest first. Append only: a migration that has shipped is never edited (its checksum
 * is recorded in each database), a fix is a new entry with the next multiple of 10.
 */
export const migrations: readonly Migration[] = [migration0010];
