import { parse as parseYaml } from 'yaml';
import { AwsFault } from './wire';

export type AppSpec = {
  taskDefinition: string;
  containerName: string;
  containerPort: number;
  hooks: Record<string, string>;
};

function invalid(message: string): AwsFault {
  return new AwsFault('InvalidRevisionException', message);
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/**
 * Reads an ECS AppSpec (JSON or YAML, as CodeDeploy accepts both) down to what the deployment needs: the task
 * definition ARN and the load balancer container/port. Each complaint names the AppSpec field.
 */
export function parseAppSpec(content: string): AppSpec {
  let doc: unknown;
  try {
    doc = JSON.parse(content);
  } catch {
    // Not JSON: YAML (block or flow style, which also starts with '{').
    try {
      doc = parseYaml(content);
    } catch {
      throw invalid('revision.appSpecContent.content is neither valid JSON nor valid YAML.');
    }
  }
  const root = record(doc);
  if (root === undefined)
    throw invalid('revision.appSpecContent.content must be an AppSpec object.');
  if (root['version'] === undefined) throw invalid("The AppSpec has no 'version' (expected 0.0).");
  const resources = root['Resources'];
  if (!Array.isArray(resources) || resources.length === 0) {
    throw invalid("The AppSpec has no 'Resources' list with a TargetService.");
  }
  const target = record(record(resources[0])?.['TargetService']);
  if (target === undefined) throw invalid("The AppSpec's Resources[0] has no 'TargetService'.");
  if (target['Type'] !== 'AWS::ECS::Service') {
    throw invalid("The AppSpec's Resources[0].TargetService.Type must be 'AWS::ECS::Service'.");
  }
  const properties = record(target['Properties']);
  const taskDefinition = properties?.['TaskDefinition'];
  if (typeof taskDefinition !== 'string' || taskDefinition === '') {
    throw invalid(
      "The AppSpec's TargetService.Properties.TaskDefinition is missing (expected the task definition ARN).",
    );
  }
  const lb = record(properties?.['LoadBalancerInfo']);
  const containerName = lb?.['ContainerName'];
  const port = lb?.['ContainerPort'];
  if (typeof containerName !== 'string' || containerName === '') {
    throw invalid(
      "The AppSpec's TargetService.Properties.LoadBalancerInfo.ContainerName is missing.",
    );
  }
  const containerPort = typeof port === 'string' ? Number(port) : port;
  if (typeof containerPort !== 'number' || !Number.isInteger(containerPort)) {
    throw invalid(
      "The AppSpec's TargetService.Properties.LoadBalancerInfo.ContainerPort must be a port number.",
    );
  }
  const hooks: Record<string, string> = {};
  const hookList = root['Hooks'];
  if (hookList !== undefined && hookList !== null) {
    if (!Array.isArray(hookList)) throw invalid("The AppSpec's 'Hooks' must be a list.");
    for (const entry of hookList) {
      for (const [name, fn] of Object.entries(record(entry) ?? {})) {
        if (typeof fn === 'string') hooks[name] = fn;
      }
    }
  }
  return { taskDefinition, containerName, containerPort, hooks };
}
