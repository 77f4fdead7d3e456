import { SeededRandom } from '../common/random.ts';

/**
 * Synthetic feature sets for tests and benchmarks: one Gaussian cluster per
 * class around a random centre, `separation` controlling how far apart they are.
 * (Real studio runs always use extracted features.)
 */
export function syntheticFeatures(opts: { n: number; dim: number; numClasses: number; seed: number; separation?: number; nonNegative?: boolean }): {
  x: Float32Array;
  y: Int32Array;
} {
  const { n, dim, numClasses, seed, separation = 3 } = opts;
  const rng = new SeededRandom(seed);
  const gauss = (): number => {
    const u = Math.max(rng.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  };
  const centres = Array.from({ length: numClasses }, () => Float32Array.from({ length: dim }, () => (gauss() * separation) / Math.sqrt(dim) * 2));
  const x = new Float32Array(n * dim);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % numClasses;
    y[i] = c;
    for (let d = 0; d < dim; d++) {
      const v = centres[c][d] + gauss();
      x[i * dim + d] = opts.nonNegative ? Math.abs(v) : v;
    }
  }
  return { x, y };
}
