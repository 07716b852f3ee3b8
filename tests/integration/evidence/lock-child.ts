// A bare lock taker for the lock tests: a separate process, so it has its own pid and start time.
//   node --import tsx tests/integration/evidence/lock-child.ts <dataDir> <hold|exit>
//   node --import tsx tests/integration/evidence/lock-child.ts - race
// hold: takes the lock of <dataDir>, prints `locked <pid>`, keeps it until killed.
// exit: takes the lock, prints `locked <pid>`, and exits without releasing it (a crash, as far as the lock knows).
// race: prints `ready <pid>`; for every line `<dataDir>` on stdin tries that directory's lock once and prints
//       `won <pid> <dataDir>` (keeping the lock) or `refused <pid> <dataDir> <code> <message>`.
import { createInterface } from 'node:readline';
import { acquireWriteLock } from '../../../src/main/core/db/write-lock';
import type { WriteLock } from '../../../src/main/core/db/write-lock';
import { AppError } from '../../../src/main/core/errors';

const [dataDir, mode = 'hold'] = process.argv.slice(2);
if (dataDir === undefined) throw new Error('usage: lock-child <dataDir|-> <hold|exit|race>');
const say = (line: string): void => {
  process.stdout.write(line + '\n');
};

if (mode === 'race') {
  const held: WriteLock[] = [];
  createInterface({ input: process.stdin }).on('line', (dir) => {
    try {
      held.push(acquireWriteLock(dir));
      say(`won ${process.pid} ${dir}`);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      say(`refused ${process.pid} ${dir} ${error.code} ${error.message}`);
    }
  });
  say(`ready ${process.pid}`);
} else {
  acquireWriteLock(dataDir);
  say(`locked ${process.pid}`);
  if (mode === 'exit') process.exit(0);
  setInterval(() => undefined, 60_000);
}
