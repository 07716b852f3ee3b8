import { describe, expect, it } from 'vitest';
import { createClock } from '../../../src/main/core/sandbox/clock';
import { Engine } from '../../../src/main/core/sandbox/engine';
import { initialState, sha256Hex } from '../../../src/main/core/sandbox/state';
import { appSpecFor, arns, loadWorld } from '../../../src/main/core/sandbox/world';

const world = loadWorld();
const MINUTE = 60_000;

/** An engine on a hand-driven wall clock (time scale 1), so each test decides exactly when anyone "polls". */
function setup() {
  let wall = 1_800_000_000_000;
  const clock = createClock(1, wall, () => wall);
  const engine = new Engine(world, initialState(world, clock.now()), clock, () => undefined);
  const arn = arns(world).taskDefinition(world.taskDefinition.family, 3);
  const content = appSpecFor(world, arn);
  const create = () =>
    engine.createDeployment(
      {
        applicationName: world.application.name,
        groupName: world.deploymentGroup.name,
        revisionSha: sha256Hex(content),
        content,
        taskDefinitionArn: arn,
        ignoreApplicationStopFailures: false,
      },
      clock.now(),
    );
  return {
    engine,
    create,
    tick(ms: number, polls: number) {
      for (let i = 0; i < polls; i++) {
        wall += ms / polls;
        engine.advance();
      }
    },
  };
}

describe('sandbox engine (pure state machine, hand-driven clock)', () => {
  it('gives the same lifecycle times however often (or rarely) anyone polls', () => {
    const runs = [1, 6, 500].map((polls) => {
      const s = setup();
      const d = s.create();
      s.tick(5 * MINUTE, polls); // through to Ready
      expect(d.status).toBe('Ready');
      s.engine.continueDeployment(d, 'READY_WAIT', s.engine.clock.now());
      s.tick(30 * MINUTE, polls); // shift + the whole termination wait
      expect(d.status).toBe('Succeeded');
      return d.events.map((e) => [e.name, e.startTime! - d.createTime, e.endTime! - d.createTime]);
    });
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[2]).toEqual(runs[0]);
  });

  it('times the Ready wait out at exactly the group setting, even when nobody looked for an hour', () => {
    const s = setup();
    const d = s.create();
    s.tick(60 * MINUTE, 1);
    expect(d.status).toBe('Stopped');
    expect(d.errorInformation?.code).toBe('TIMEOUT');
    const readyFrom = d.events.find((e) => e.name === 'AfterAllowTestTraffic')!.endTime!;
    expect(d.completeTime! - readyFrom).toBe(20 * MINUTE);
    expect(s.engine.state.service.green).toBeUndefined();
  });

  it('refuses a second active deployment and leaves the state as it was', () => {
    const s = setup();
    s.create();
    const before = JSON.stringify(s.engine.state);
    expect(() => s.create()).toThrow(/already has an active deployment/);
    expect(JSON.stringify(s.engine.state)).toBe(before);
  });
});
