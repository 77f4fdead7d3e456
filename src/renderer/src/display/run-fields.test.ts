import { describe, expect, it } from 'vitest';
import { errorFromWire } from '../../../shared/api-client.ts';
import { parseRunConfig } from '../../../shared/run-config.ts';
import { serializeError, StudioError } from '../../../shared/errors.ts';
import { runErrorInWords } from './run-fields.ts';

/** The error the core raises for a run configuration, as the renderer receives it over the wire. */
function refusedRun(config: unknown): StudioError {
  try {
    parseRunConfig(config);
  } catch (err) {
    return errorFromWire(serializeError(err));
  }
  throw new Error('the run was not refused');
}

describe('runErrorInWords', () => {
  it("says a refused run's field in the form's own sentence for that box", () => {
    expect(runErrorInWords(refusedRun({ head: { dropout: 7 } }))).toBe('Dropout is a fraction between 0 and 0.95, like 0.5.');
    expect(runErrorInWords(refusedRun({ head: { optimizer: { kind: 'sgd', lr: -1 } } }))).toBe('The learning rate is a number above 0, like 0.01.');
  });
  it('leaves any other error as the core said it', () => {
    expect(runErrorInWords(new StudioError('not-found', 'project /p.xstudio has no split plan yet; create one first'))).toBe('project /p.xstudio has no split plan yet; create one first');
  });
});
