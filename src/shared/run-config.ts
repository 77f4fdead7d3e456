import { z } from 'zod';
import type { RunConfig as ContractRunConfig } from './api.ts';
import { invalidArgument } from './errors.ts';

/**
 * The full configuration of a training run: the head trained on cached
 * features (stage 1) and the optional end-to-end fine-tuning (stage 2).
 * Defaults are the reference workflow's: Dense(256 relu) → Dropout(0.5) →
 * Dense(128 relu) → Dropout(0.5) → Dense(1 sigmoid), SGD lr 0.01; fine-tuning
 * with SGD lr 0.005, momentum 0.1, Nesterov, 5 epochs, augmentation on.
 * The same schema validates `--config run.json`, CLI flags and UI requests.
 */
// Every number has an upper bound: a run of 1e308 epochs or a 1e9-unit layer
// would hang or exhaust memory in the worker instead of being refused here.
const lr = z.number().positive().max(10);
const optimizer = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('sgd'),
    lr,
    momentum: z.number().min(0).max(1).default(0),
    nesterov: z.boolean().default(false),
  }).strict(),
  z.object({
    kind: z.literal('adam'),
    lr,
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.999),
    epsilon: z.number().positive().max(1).default(1e-7),
  }).strict(),
]);

const schedule = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('constant') }).strict(),
  /** lr × factor every `every` epochs. */
  z.object({ kind: z.literal('step'), every: z.number().int().positive().max(100_000), factor: z.number().positive().max(100) }).strict(),
  /** lr × decay^epoch. */
  z.object({ kind: z.literal('exponential'), decay: z.number().positive().max(100) }).strict(),
  /** Cosine from lr down to minLr over the run's epochs. */
  z.object({ kind: z.literal('cosine'), minLr: z.number().min(0).max(10).default(0) }).strict(),
]);

export const headConfigSchema = z.object({
  hidden: z.array(z.number().int().positive().max(16_384)).max(32).default([256, 128]),
  /** One rate for every hidden layer, or one per hidden layer. */
  dropout: z.union([z.number().min(0).max(0.95), z.array(z.number().min(0).max(0.95)).max(32)]).default(0.5),
  activation: z.enum(['relu', 'elu', 'tanh']).default('relu'),
  optimizer: optimizer.default({ kind: 'sgd', lr: 0.01 }),
  schedule: schedule.default({ kind: 'constant' }),
  batchSize: z.number().int().positive().max(65_536).default(32),
  epochs: z.number().int().positive().max(100_000).default(50),
  /** L2 penalty on every kernel, as Keras' kernel_regularizer=l2(x): x · Σw². */
  l2: z.number().min(0).max(100).default(0),
  /** 'balanced' = n / (classes · count(class)), or one weight per class in class order. */
  classWeights: z.union([z.literal('balanced'), z.array(z.number().positive().max(1e6)).max(10_000)]).nullable().default(null),
  /** Stop when the validation loss has not improved by minDelta for `patience` epochs. */
  earlyStopping: z.object({ patience: z.number().int().positive().max(100_000), minDelta: z.number().min(0).max(1e6).default(0) }).strict().nullable().default(null),
}).strict();

export const augmentationSchema = z.object({
  horizontalFlip: z.boolean().default(true),
  verticalFlip: z.boolean().default(false),
  /** Degrees, uniform in ±rotation. */
  rotation: z.number().min(0).max(180).default(15),
  /** Zoom factor uniform in [1 − zoom, 1 + zoom]. */
  zoom: z.number().min(0).max(0.9).default(0.1),
  /** Shift as a fraction of width / height, uniform in ±shift. */
  widthShift: z.number().min(0).max(0.9).default(0.1),
  heightShift: z.number().min(0).max(0.9).default(0.1),
  /** Brightness factor range, e.g. [0.8, 1.2]; null = off. */
  brightness: z.tuple([z.number().positive().max(10), z.number().positive().max(10)]).nullable().default([0.8, 1.2]),
}).strict();

export const fineTuneConfigSchema = z.object({
  epochs: z.number().int().min(0).max(10_000).default(0),
  optimizer: optimizer.default({ kind: 'sgd', lr: 0.005, momentum: 0.1, nesterov: true }),
  batchSize: z.number().int().positive().max(4096).default(16),
  /** 'all', or the first trainable Xception block (1..14); earlier layers stay frozen. */
  // Block numbers depend on the backbone (Xception 1…14, MobileNetV2 0…17, ResNet50 1…5, EfficientNetB0 0…8): checked when fine-tuning starts.
  trainableFrom: z.union([z.literal('all'), z.number().int().min(0).max(64)]).default('all'),
  /** Keep BatchNorm layers in inference mode (moving statistics frozen): the known fine-tuning trap. */
  freezeBatchNorm: z.boolean().default(true),
  augmentation: augmentationSchema.nullable().default({}),
}).strict();

export const runConfigSchema = z.object({
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
  head: headConfigSchema.default({}),
  fineTune: fineTuneConfigSchema.default({}),
}).strict();

export type HeadConfig = z.infer<typeof headConfigSchema>;
export type AugmentationConfig = z.infer<typeof augmentationSchema>;
export type FineTuneConfig = z.infer<typeof fineTuneConfigSchema>;
export type RunConfig = z.infer<typeof runConfigSchema>;

// The contract (api.ts) states these types for every client; the schema is what checks them. A full
// configuration from the schema must be a contract RunConfig: this line fails to compile if they drift.
const _schemaFitsContract = (c: RunConfig): ContractRunConfig => c;
void _schemaFitsContract;
export type OptimizerConfig = HeadConfig['optimizer'];
export type LrScheduleConfig = HeadConfig['schedule'];

/** Validates a (partial) run configuration; the error names the field, what was expected and what was found. */
export function parseRunConfig(input: unknown, source?: string): RunConfig {
  const r = runConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    // Every problem at once, each with its field: the UI shows each beside its box, the CLI names the flag.
    const issues = r.error.issues.slice(0, 5).map((issue) => `${issue.path.length ? issue.path.join('.') : 'config'}: ${issue.message}`);
    const first = r.error.issues[0];
    throw invalidArgument(`${source ? `${source}: ` : ''}${issues.join('; ')}`, first.path.length ? `config.${first.path.join('.')}` : 'config');
  }
  return r.data;
}

export function parseHeadConfig(input: unknown): HeadConfig {
  return parseRunConfig({ head: input ?? {} }).head;
}

/** Learning rate for a 0-based epoch under a schedule. */
export function learningRateAt(base: number, schedule: LrScheduleConfig, epoch: number, epochs: number): number {
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step':
      return base * Math.pow(schedule.factor, Math.floor(epoch / schedule.every));
    case 'exponential':
      return base * Math.pow(schedule.decay, epoch);
    case 'cosine': {
      const t = epochs <= 1 ? 0 : epoch / (epochs - 1);
      return schedule.minLr + (base - schedule.minLr) * 0.5 * (1 + Math.cos(Math.PI * t));
    }
  }
}

/** The dropout rate after each hidden layer. */
export function dropoutRates(config: HeadConfig): number[] {
  if (typeof config.dropout === 'number') return config.hidden.map(() => config.dropout as number);
  if (config.dropout.length !== config.hidden.length) {
    throw invalidArgument(`head.dropout: expected ${config.hidden.length} rates (one per hidden layer), got ${config.dropout.length}`);
  }
  return config.dropout;
}
