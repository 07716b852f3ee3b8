export type {
  Environment,
  EnvironmentResources,
  Integrations,
  SecretRequirement,
  Thresholds,
} from './environment';
export { defaultResources, defaultThresholds } from './environment';
export {
  defaultConfigDir,
  defaultEnvironmentsFile,
  loadEnvironments,
  parseEnvironments,
  resolveEnvironment,
  type LoadedEnvironments,
} from './load';
export { sandboxEnvironment, type SandboxLike } from './sandbox-environment';
export {
  parseSecretRef,
  resolveSecretRef,
  systemKeychain,
  type KeychainReader,
  type SecretRef,
} from './secret-ref';
