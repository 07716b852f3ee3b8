/**
 * Green-fleet validation (playbook section 4): the smoke collection, the open-loop load gate, the version check
 * and the VPN check. Each returns a result carrying its evidence for the journal; bad input throws AppError
 * `invalid_input` (or a check-specific code) naming the field; an aborted signal rejects with `check_cancelled`.
 */
export { runSmoke, resolveRunnerPath } from './smoke';
export type {
  SmokeOptions,
  SmokeResult,
  SmokeProgress,
  SmokeRequestResult,
  SmokeAssertionFailure,
  PostmanCollection,
} from './smoke';
export { runProbe, resolveProbeWorkerPath, MAX_RATE_PER_SEC, MAX_DURATION_SEC } from './probe';
export type { ProbeOptions, ProbeResult, ProbeProgress } from './probe';
export { parseK6Summary, findOnPath } from './k6';
export type { K6Summary } from './k6';
export { judge, resolveThresholds, DEFAULT_THRESHOLDS } from './verdict';
export type { ProbeThresholds, ProbeVerdict } from './verdict';
export { LatencyHistogram, exactPercentile } from './histogram';
export type { HistogramBucket, LatencySummary } from './histogram';
export { checkVersion, commitsMatch } from './version';
export type { VersionCheckOptions, VersionCheckResult } from './version';
export { checkVpn } from './vpn';
export type { VpnCheckOptions, VpnCheckResult, NetworkInterfaces } from './vpn';
export { parseCidr, parseAddress, cidrContains } from './cidr';
export type { Cidr, ParsedAddress } from './cidr';
export type { CheckEvidence, CheckArtifact } from './evidence';
