import { IReplayReport, IStepResult, StepOutcome, summariseReport } from './controller';

const result = (outcome: StepOutcome, extra: Partial<IStepResult> = {}): IStepResult => ({
  step: { cellId: 'c', runIndex: 0, position: 0 },
  outcome,
  edited: false,
  ranRecordedCode: false,
  ...extra
});

describe('the replay report counts', () => {
  it('counts as compared only outputs that were compared, never steps without output', () => {
    const report: IReplayReport = {
      ended: 'completed',
      firstError: null,
      results: [
        result('no-output'),
        result('no-output'),
        result('identical', { edited: true, ranRecordedCode: true }),
        result('different'),
        result('unchecked'),
        result('identical', { display: true }),
        result('not-compared', { display: true, detail: 'changes the state' })
      ]
    };
    expect(summariseReport(report)).toEqual({ steps: 5, ran: 5, compared: 3, identical: 2, different: 1, noOutput: 2, notCompared: 2 });
  });

  it('counts steps not run after an error as steps, not as run', () => {
    const report: IReplayReport = { ended: 'error', firstError: 1, results: [result('identical'), result('error'), result('not-run')] };
    expect(summariseReport(report)).toMatchObject({ steps: 3, ran: 2, compared: 1 });
  });
});
