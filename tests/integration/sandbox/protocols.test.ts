import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  InvalidParameterValueException,
} from '@aws-sdk/client-cloudwatch';
import { AwsSmithyRpcV2CborProtocol } from '@aws-sdk/core/protocols';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCbor, encodeCbor } from '../../../src/main/core/sandbox/cbor';
import { startSandbox, type Sandbox } from '../../../src/main/core/sandbox/index';
import { clientConfig, control } from './support';

const AUTH =
  'AWS4-HMAC-SHA256 Credential=AKIASANDBOXEXAMPLE01/20261129/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=00';
const ALARMS = ['fixnado-sandbox-codedeploy-failures', 'fixnado-sandbox-alb-5xx'];

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

describe('sandbox: each wire protocol the clients use', () => {
  it('CloudWatch over JSON 1.0 (the pinned SDK, query-compatible errors)', async () => {
    const cw = new CloudWatchClient(clientConfig(sandbox));
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ALARMS }));
    expect(out.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual(
      ALARMS.map((n) => [n, 'OK']),
    );
    expect(out.MetricAlarms?.[0]?.StateUpdatedTimestamp).toBeInstanceOf(Date);
    const error = await cw
      .send(new DescribeAlarmsCommand({ StateValue: 'BAD' as never }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterValueException);
  });

  it('CloudWatch over Smithy rpcv2-cbor (newer SDK builds), errors and ALARM state included', async () => {
    const cw = new CloudWatchClient(
      clientConfig(sandbox, { protocol: AwsSmithyRpcV2CborProtocol }),
    );
    const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ALARMS }));
    expect(out.MetricAlarms?.map((a) => a.AlarmName)).toEqual(ALARMS);
    expect(out.MetricAlarms?.[1]?.StateUpdatedTimestamp).toBeInstanceOf(Date);
    expect(out.MetricAlarms?.[1]?.Dimensions?.[0]?.Name).toBe('LoadBalancer');
    const error = await cw
      .send(new DescribeAlarmsCommand({ StateValue: 'BAD' as never }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterValueException);

    await control(sandbox, { alarm: { name: 'fixnado-sandbox-alb-5xx', state: 'ALARM' } });
    const firing = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    expect(firing.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['fixnado-sandbox-alb-5xx']);
    await control(sandbox, { alarm: { name: 'fixnado-sandbox-alb-5xx', state: 'OK' } });

    const junk = await fetch(
      `${sandbox.endpoint}/service/GraniteServiceVersion20100801/operation/DescribeAlarms`,
      {
        method: 'POST',
        headers: {
          'smithy-protocol': 'rpc-v2-cbor',
          'content-type': 'application/cbor',
          authorization: AUTH,
        },
        body: new Uint8Array([0xa2, 0x6a]),
      },
    );
    expect(junk.status).toBe(400);
    expect(junk.headers.get('smithy-protocol')).toBe('rpc-v2-cbor');
    expect(decodeCbor(new Uint8Array(await junk.arrayBuffer()))).toMatchObject({
      __type: 'SerializationException',
    });
    const unknown = await fetch(
      `${sandbox.endpoint}/service/GraniteServiceVersion20100801/operation/PutMetricAlarm`,
      {
        method: 'POST',
        headers: {
          'smithy-protocol': 'rpc-v2-cbor',
          'content-type': 'application/cbor',
          authorization: AUTH,
        },
        body: new Uint8Array(encodeCbor({ AlarmName: 'x' })),
      },
    );
    expect(decodeCbor(new Uint8Array(await unknown.arrayBuffer()))).toMatchObject({
      __type: 'com.amazon.coral.service#UnknownOperationException',
    });
  });

  it('CloudWatch and STS over awsQuery (form-encoded, XML replies), as older AWS CLIs send them', async () => {
    const cw = await fetch(sandbox.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        authorization: AUTH,
      },
      body: `Action=DescribeAlarms&Version=2010-08-01&AlarmNames.member.1=${ALARMS[1]}`,
    });
    expect(cw.status).toBe(200);
    const xml = await cw.text();
    expect(xml).toContain(
      '<DescribeAlarmsResponse xmlns="http://monitoring.amazonaws.com/doc/2010-08-01/">',
    );
    expect(xml).toContain(`<AlarmName>${ALARMS[1]}</AlarmName>`);
    expect(xml).toContain('<StateValue>OK</StateValue>');
    expect(xml).not.toContain(`<AlarmName>${ALARMS[0]}</AlarmName>`);
    const bad = await fetch(sandbox.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: AUTH },
      body: 'Action=DescribeAlarms&Version=2010-08-01&StateValue=BAD',
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('<Code>InvalidParameterValue</Code>');
    // The pinned STS client speaks awsQuery.
    const sts = new STSClient(clientConfig(sandbox));
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toContain('assumed-role');
  });
});
