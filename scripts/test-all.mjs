// `npm test`: typecheck, lint, build, then every vitest project (unit, integration, e2e, electron).
// Each step is reported; the last line is the plain summary CI reads: `N passed, N failed, N skipped`.
// Typecheck, lint and build count as one check each, so a type error cannot hide behind green tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const resultsFile = '.vitest-results.json';
const counts = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function step(name, command, args) {
  process.stdout.write(`\n=== ${name}: ${command} ${args.join(' ')}\n`);
  const status = spawnSync(command, args, { stdio: 'inherit' }).status;
  return status === 0;
}

function check(name, command, args) {
  if (step(name, command, args)) counts.passed += 1;
  else {
    counts.failed += 1;
    failures.push(name);
  }
}

check('typecheck (node side)', 'npx', ['tsc', '-p', 'tsconfig.node.json', '--noEmit']);
check('typecheck (web side)', 'npx', ['tsc', '-p', 'tsconfig.web.json', '--noEmit']);
check('lint', 'npx', ['eslint', '--max-warnings', '0', '.']);
check('build', 'npx', ['electron-vite', 'build', '--logLevel', 'warn']);

rmSync(resultsFile, { force: true });
const extra = process.argv.slice(2);
step('tests', 'npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${resultsFile}`, ...extra]);
if (existsSync(resultsFile)) {
  const report = JSON.parse(readFileSync(resultsFile, 'utf8'));
  counts.passed += report.numPassedTests;
  counts.failed += report.numFailedTests;
  counts.skipped += report.numPendingTests + report.numTodoTests;
  // A test file that fails to load has no tests to count: count the file itself as a failure.
  for (const file of report.testResults) {
    if (file.status === 'failed' && file.assertionResults.every((test) => test.status !== 'failed')) {
      counts.failed += 1;
      failures.push(`${file.name} (did not load: ${String(file.message).split('\n')[0]})`);
    }
    for (const test of file.assertionResults) if (test.status === 'failed') failures.push(test.fullName);
  }
} else {
  counts.failed += 1;
  failures.push('vitest produced no report');
}

if (failures.length > 0) process.stdout.write(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
process.exit(counts.failed === 0 ? 0 : 1);
