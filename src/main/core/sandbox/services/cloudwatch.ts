import { optNumber, optString, optStringList, type Body } from '../validate';
import { AwsFault } from '../wire';
import { arns } from '../world';
import type { OperationContext } from './types';

const invalidValue = (message: string): AwsFault =>
  new AwsFault('InvalidParameterValueException', message, 400, 'InvalidParameterValue');

/**
 * CloudWatch DescribeAlarms, shared by the JSON 1.0 protocol the pinned SDK speaks (query-compatible) and the
 * awsQuery protocol older AWS CLIs speak. Timestamps come back as epoch ms; each protocol formats them.
 */
export function describeAlarms(input: Body, { engine, world }: OperationContext) {
  const names = optStringList(input, 'AlarmNames');
  const prefix = optString(input, 'AlarmNamePrefix');
  if (names !== undefined && prefix !== undefined) {
    throw new AwsFault(
      'InvalidParameterCombinationException',
      'AlarmNames and AlarmNamePrefix cannot be used together.',
      400,
      'InvalidParameterCombination',
    );
  }
  if (names !== undefined && names.length > 100)
    throw invalidValue('AlarmNames has more than 100 names.');
  const stateValue = optString(input, 'StateValue');
  if (stateValue !== undefined && !['OK', 'ALARM', 'INSUFFICIENT_DATA'].includes(stateValue)) {
    throw invalidValue(`StateValue must be OK, ALARM or INSUFFICIENT_DATA, not ${stateValue}.`);
  }
  const maxRecords =
    typeof input['MaxRecords'] === 'string'
      ? Number(input['MaxRecords'])
      : optNumber(input, 'MaxRecords');
  if (
    maxRecords !== undefined &&
    (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > 100)
  ) {
    throw invalidValue('MaxRecords must be between 1 and 100.');
  }
  const types = optStringList(input, 'AlarmTypes');
  const wantMetric = types === undefined || types.length === 0 || types.includes('MetricAlarm');
  const alarms = world.alarms
    .filter(() => wantMetric)
    .filter((a) => names === undefined || names.includes(a.name))
    .filter((a) => prefix === undefined || a.name.startsWith(prefix))
    .filter((a) => stateValue === undefined || engine.state.alarms[a.name]?.state === stateValue)
    .slice(0, maxRecords ?? 100);
  const topic = world.alarmTopicArn;
  return {
    MetricAlarms: alarms.map((a) => {
      const s = engine.state.alarms[a.name];
      return {
        AlarmName: a.name,
        AlarmArn: arns(world).alarm(a.name),
        AlarmDescription: a.description,
        AlarmConfigurationUpdatedTimestamp: engine.state.createdAt - 43_200 * 60_000,
        ActionsEnabled: true,
        OKActions: [topic],
        AlarmActions: [topic],
        InsufficientDataActions: [],
        StateValue: s?.state ?? 'INSUFFICIENT_DATA',
        StateReason: s?.reason ?? 'Unchecked: Initial alarm creation',
        StateUpdatedTimestamp: s?.updatedAt,
        StateTransitionedTimestamp: s?.updatedAt,
        MetricName: a.metricName,
        Namespace: a.namespace,
        Statistic: a.statistic,
        Dimensions: a.dimensions,
        Period: a.period,
        EvaluationPeriods: a.evaluationPeriods,
        DatapointsToAlarm: 1,
        Threshold: a.threshold,
        ComparisonOperator: a.comparisonOperator,
        TreatMissingData: 'notBreaching',
      };
    }),
    CompositeAlarms: [] as unknown[],
  };
}

const timestampMembers = [
  'AlarmConfigurationUpdatedTimestamp',
  'StateUpdatedTimestamp',
  'StateTransitionedTimestamp',
];

/** The JSON protocol's form: timestamps as epoch seconds. */
export function describeAlarmsJson(input: Body, ctx: OperationContext): unknown {
  const out = describeAlarms(input, ctx);
  return {
    ...out,
    MetricAlarms: out.MetricAlarms.map((a) => {
      const copy: Record<string, unknown> = { ...a };
      for (const m of timestampMembers) if (typeof copy[m] === 'number') copy[m] = copy[m] / 1000;
      return copy;
    }),
  };
}

/** The awsQuery form: timestamps as Dates (ISO 8601 in XML). */
export function describeAlarmsQuery(input: Body, ctx: OperationContext): unknown {
  const out = describeAlarms(input, ctx);
  return {
    MetricAlarms: out.MetricAlarms.map((a) => {
      const copy: Record<string, unknown> = { ...a };
      for (const m of timestampMembers)
        if (typeof copy[m] === 'number') copy[m] = new Date(copy[m]);
      return copy;
    }),
    CompositeAlarms: [],
  };
}
