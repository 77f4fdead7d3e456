import { describe, expect, it } from 'vitest';
import { evaluatePredictions, rocAucOf } from './metrics.ts';

describe('evaluatePredictions', () => {
  it('computes accuracy, confusion, precision/recall/F1 and loss', () => {
    // 4 images, 2 classes: true [0,0,1,1], predicted [0,1,1,1]
    const probs = Float32Array.from([0.9, 0.1, 0.4, 0.6, 0.2, 0.8, 0.3, 0.7]);
    const e = evaluatePredictions(probs, [0, 0, 1, 1], 2);
    expect(e.accuracy).toBe(0.75);
    expect(e.confusion).toEqual([[1, 1], [0, 2]]);
    expect(e.perClass[0].precision).toBe(1);
    expect(e.perClass[0].recall).toBe(0.5);
    expect(e.perClass[1].precision).toBeCloseTo(2 / 3);
    expect(e.perClass[1].f1).toBeCloseTo(0.8);
    expect(e.loss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.4) + Math.log(0.8) + Math.log(0.7)) / 4, 6);
    expect(e.rocAuc).toBe(1); // every positive scores above every negative
  });

  it('ROC AUC counts ties as half and is null with one class', () => {
    expect(rocAucOf([0.5, 0.5], [true, false])).toBe(0.5);
    expect(rocAucOf([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBe(0.75);
    expect(rocAucOf([0.1, 0.2], [true, true])).toBeNull();
  });

  it('has no AUC for 3 classes', () => {
    const e = evaluatePredictions(Float32Array.from([1, 0, 0, 0, 1, 0, 0, 0, 1]), [0, 1, 2], 3);
    expect(e.rocAuc).toBeNull();
    expect(e.accuracy).toBe(1);
  });
});
