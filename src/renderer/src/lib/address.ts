/** The run the address names (`#run=<id>`), so a reload or a relaunch on the same address lands on it again. */
export function runIdFromAddress(hash: string = location.hash): string | undefined {
  const match = /^#run=([^&]+)$/.exec(hash)?.[1];
  return match === undefined ? undefined : decodeURIComponent(match);
}

export function addressForRun(runId: string | undefined): string {
  return runId === undefined ? '' : `#run=${encodeURIComponent(runId)}`;
}
