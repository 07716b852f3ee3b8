import { sandboxResourcePath } from './world';

export type ExampleUrls = {
  endpoint: string;
  productionUrl: string;
  validationUrl: string;
  controlUrl: string;
  integrations?: { slackWebhookUrl: string; grafana: { url: string; token: string } };
};

/**
 * The playbook's own commands, corrected (see the reference: create-deployment takes an AppSpecContent
 * revision), ready to paste against a running sandbox. The CLI prints them; the README quotes them.
 */
export function awsCliExamples(urls: ExampleUrls): string[] {
  const e = `--endpoint-url ${urls.endpoint}`;
  const taskDefinitionFile = sandboxResourcePath('backend-task-definition.json');
  const collection = sandboxResourcePath('smoke-collection.json');
  return [
    'export AWS_ACCESS_KEY_ID=AKIASANDBOXEXAMPLE01 AWS_SECRET_ACCESS_KEY=sandbox AWS_DEFAULT_REGION=us-east-1',
    `aws ${e} sts get-caller-identity`,
    `aws ${e} ecs describe-task-definition --task-definition fixnado-sandbox-app --query 'taskDefinition.containerDefinitions[0].image'`,
    `TASK_DEF=$(aws ${e} ecs register-task-definition --cli-input-json file://${taskDefinitionFile} --query 'taskDefinition.taskDefinitionArn' --output text)`,
    `ID=$(aws ${e} deploy create-deployment --application-name fixnado-sandbox-ecs --deployment-group-name fixnado-sandbox-ecs --description "Fixnado backend 1.5.1" --revision "{\\"revisionType\\":\\"AppSpecContent\\",\\"appSpecContent\\":{\\"content\\":\\"{version: 0.0, Resources: [{TargetService: {Type: 'AWS::ECS::Service', Properties: {TaskDefinition: '$TASK_DEF', LoadBalancerInfo: {ContainerName: app, ContainerPort: 8080}}}}]}\\"}}" --query deploymentId --output text)`,
    `aws ${e} deploy get-deployment --deployment-id $ID --query 'deploymentInfo.[status,creator,createTime,completeTime]'`,
    `aws ${e} deploy list-deployments --application-name fixnado-sandbox-ecs --deployment-group-name fixnado-sandbox-ecs --include-only-statuses InProgress Ready`,
    `curl ${urls.validationUrl}/health/info    # green once the deployment is Ready`,
    `npx newman run ${collection} --env-var baseUrl=${urls.validationUrl}`,
    `aws ${e} deploy continue-deployment --deployment-id $ID --deployment-wait-type READY_WAIT`,
    `curl ${urls.productionUrl}/health/info    # green after AllowTraffic`,
    `aws ${e} deploy stop-deployment --deployment-id $ID --auto-rollback-enabled`,
    `aws ${e} cloudwatch describe-alarms --alarm-names fixnado-sandbox-codedeploy-failures fixnado-sandbox-alb-5xx`,
    `curl -X POST ${urls.controlUrl} -H 'content-type: application/json' -d '{"scenario":"smoke-fails"}'`,
    ...(urls.integrations === undefined
      ? []
      : [
          `curl -X POST ${urls.integrations.slackWebhookUrl} -H 'content-type: application/json' -d '{"text":"hello from the sandbox"}'`,
          `curl -H 'Authorization: Bearer ${urls.integrations.grafana.token}' '${urls.integrations.grafana.url}/api/search?type=dash-db&query=Platform%20Health'`,
          `curl -s ${urls.controlUrl}    # .integrations: what Slack and Grafana received`,
        ]),
  ];
}
