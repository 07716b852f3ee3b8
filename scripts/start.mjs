// `npm start`: the Electron app when its binary is here; otherwise one line saying why, and the same console
// through the browser host (printing its URL with the token, opening the system browser when there is one).
import { spawnSync } from 'node:child_process';
import { electronBinary } from './electron-binary.mjs';

const run = (command, args) => spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;

const electron = electronBinary();
if (electron.path !== undefined) {
  process.exit(run('npx', ['electron-vite', 'preview']));
}
console.log(`Electron is not available here (${electron.reason}); serving the console through the browser host instead.`);
const built = run('npx', ['electron-vite', 'build', '--logLevel', 'warn']);
if (built !== 0) process.exit(built);
process.exit(run(process.execPath, ['bin/greenlight.mjs', 'serve', '--open', ...process.argv.slice(2)]));
