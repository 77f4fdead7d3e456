import { describe, expect, it } from 'vitest';
import { errorFromWire } from '../../../shared/api-client.ts';
import { errorText, formatDuration, formatPercent, jobDetail } from './format.ts';

describe('display formatting', () => {
  it('says how far a job is, how fast and how long is left', () => {
    expect(jobDetail({ done: 1234, total: 5000, unit: 'images', rate: 52.34, etaSeconds: 72, message: null })).toBe('1,234 / 5,000 images · 52.3 images/s · ETA 1m 12s');
    expect(jobDetail({ done: 0, total: 0, unit: 'folds', rate: null, etaSeconds: null, message: 'fold 2 of 5' })).toBe('fold 2 of 5');
  });
  it('formats durations, percentages and errors for people', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(3725)).toBe('1h 02m');
    expect(formatDuration(null)).toBe('—');
    expect(formatPercent(0.9942)).toBe('99.4%');
    expect(errorText(new Error('asked 10,000 test images, 8,200 remain'))).toBe('asked 10,000 test images, 8,200 remain');
    expect(errorText('plain')).toBe('plain');
  });
  it("names a core error's field as the box that holds it, after the error crossed the wire", () => {
    const wire = { name: 'StudioError', code: 'invalid-argument' as const, message: 'sizes.train: expected at most 16,000, got 20,000', field: 'sizes.train' };
    expect(errorText(errorFromWire(wire))).toBe('Train size: expected at most 16,000, got 20,000');
    // A job's error arrives serialized, as it is.
    expect(errorText({ code: 'invalid-argument', message: 'inputSize: expected an integer of at least 71 for Xception, got 70', field: 'inputSize' })).toBe('Input size: expected an integer of at least 71 for Xception, got 70');
    expect(errorText({ message: 'backbone.inputSize: expected an integer of at least 71 for Xception, got 70', field: 'backbone.inputSize' })).toBe('Input size: expected an integer of at least 71 for Xception, got 70');
    // No field, or one the UI has no box for: the message as the core wrote it.
    expect(errorText({ message: 'no run 7 in project /p.xstudio' })).toBe('no run 7 in project /p.xstudio');
    expect(errorText({ message: 'ids: give either image ids or a folder', field: 'ids' })).toBe('ids: give either image ids or a folder');
  });
});
