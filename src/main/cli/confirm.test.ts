import { describe, expect, it } from 'vitest';
import { confirmLongRun } from './confirm.ts';

describe('confirmLongRun', () => {
  it('without a terminal to ask on, refuses and says to pass --yes', async () => {
    // Under vitest stdin is not a TTY: the situation of a script or CI job.
    await expect(confirmLongRun('fine-tuning 3 epochs will take about 2.5 h')).rejects.toThrow(/fine-tuning 3 epochs will take about 2\.5 h: more than an hour\. Pass --yes/);
  });
});
