import type { StepView } from '../../../shared/domain/run';
import type { AppState, BusyKey, ProgressView } from './index';

/*
 * Named selectors. Those that build an array or an object must be read through `useShallow`, or every store change
 * would re-render their readers. None of them decides anything: ordering for display at most.
 */

/** Environments with the sandbox first (where a newcomer and a rehearsal start), then as configured. */
export const selectEnvironments = (state: AppState) => {
  const environments = state.info?.environments ?? [];
  return [
    ...environments.filter((env) => env.target === 'sandbox'),
    ...environments.filter((env) => env.target !== 'sandbox'),
  ];
};

export const selectSelectedEnvironmentStatus = (state: AppState) =>
  state.selectedEnvironment === undefined
    ? undefined
    : state.environmentStatus[state.selectedEnvironment];

/** Runs main reports as not ended: the ones offered for resume. */
export const selectUnfinishedRuns = (state: AppState) =>
  (state.runs ?? []).filter((run) => run.endedAt === undefined && run.outcome === undefined);

export const selectFinishedRuns = (state: AppState) =>
  (state.runs ?? []).filter((run) => run.endedAt !== undefined || run.outcome !== undefined);

/** Every step of the open run in runbook order, across sections (keyboard navigation walks this). */
export const selectSteps = (state: AppState): StepView[] =>
  state.run?.sections.flatMap((section) => section.steps) ?? [];

export const selectNextStepId = (state: AppState) => state.run?.nextStepId;

export const selectNextStep = (state: AppState): StepView | undefined => {
  const nextId = state.run?.nextStepId;
  if (nextId === undefined) return undefined;
  return findStep(state, nextId);
};

/** The step whose detail is shown: the one the operator picked, else the next one, else the first. */
export const selectSelectedStep = (state: AppState): StepView | undefined => {
  const id = state.selectedStepId ?? state.run?.nextStepId;
  return (id === undefined ? undefined : findStep(state, id)) ?? state.run?.sections[0]?.steps[0];
};

export const selectSelectedStepId = (state: AppState) => selectSelectedStep(state)?.id;

export const selectDeployment = (state: AppState) => state.run?.deployment;
export const selectSmoke = (state: AppState) => state.run?.smoke;
export const selectProbe = (state: AppState) => state.run?.probe;
export const selectChain = (state: AppState) => state.run?.chain;

/** Smoke requests with the failing ones first, as the operator reads them; otherwise in collection order. */
export const selectSmokeRowsFailuresFirst = (state: AppState) => {
  const requests = state.run?.smoke?.requests ?? [];
  return [
    ...requests.filter((request) => request.failedAssertions.length > 0),
    ...requests.filter((request) => request.failedAssertions.length === 0),
  ];
};

/** The export's progress as main reports it (task names mentioning export or vault). */
export const selectExportProgress = (state: AppState): ProgressView | undefined =>
  Object.values(state.progress).find((progress) => /export|vault|bundle/i.test(progress.task));

/** Long work main is doing right now, for the progress strip. */
export const selectActiveProgress = (state: AppState): ProgressView[] =>
  Object.values(state.progress).filter((progress) => progress.done < progress.total);

export const selectIsBusy = (key: BusyKey) => (state: AppState) => state.busy[key] === true;

function findStep(state: AppState, id: string): StepView | undefined {
  for (const section of state.run?.sections ?? []) {
    const step = section.steps.find((candidate) => candidate.id === id);
    if (step !== undefined) return step;
  }
  return undefined;
}
