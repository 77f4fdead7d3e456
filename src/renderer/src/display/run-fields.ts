// The run form's text fields: each one parsed and checked as it is typed, with
// a message in words beside it. The limits are those of the core's run
// configuration schema (src/shared/run-config.ts), so a form that passes here
// is accepted by startRun.
import type { RunConfig } from '../../../shared/api.ts';
import { errorText } from './format.ts';

export type RunFieldId =
  | 'hidden'
  | 'dropout'
  | 'lr'
  | 'momentum'
  | 'epochs'
  | 'batchSize'
  | 'l2'
  | 'patience'
  | 'seed'
  | 'ftEpochs'
  | 'ftLr'
  | 'ftBatchSize'
  | 'ftTrainableFrom';

export interface RunField {
  id: RunFieldId;
  label: string;
  /** The field's text for a configuration (what the input shows when not being edited). */
  show(c: RunConfig): string;
  /** Parses the typed text: the value, or a message saying what is allowed. */
  parse(text: string): { ok: true; value: unknown } | { ok: false; message: string };
  /** Writes a parsed value into a (cloned) configuration. */
  apply(c: RunConfig, value: unknown): void;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function number(text: string): number | null {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : null;
}

function real(message: string, ok: (n: number) => boolean) {
  return (text: string): { ok: true; value: number } | { ok: false; message: string } => {
    const n = number(text);
    return n !== null && ok(n) ? { ok: true, value: n } : { ok: false, message };
  };
}

function integer(message: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return real(message, (n) => Number.isInteger(n) && n >= min && n <= max);
}

export const RUN_FIELDS: Record<RunFieldId, RunField> = {
  hidden: {
    id: 'hidden',
    label: 'Hidden layers',
    show: (c) => c.head.hidden.join(', '),
    parse(text) {
      const parts = text.split(/[,\s]+/).filter((p) => p !== '');
      const values = parts.map((p) => number(p));
      if (parts.length > 8) return { ok: false, message: 'At most 8 hidden layers.' };
      if (values.some((n) => n === null || !Number.isInteger(n) || n < 1 || n > 8192)) {
        return { ok: false, message: 'Hidden layers are whole numbers of units from 1 to 8192, separated by commas, like "256, 128" (leave empty for none).' };
      }
      return { ok: true, value: values as number[] };
    },
    apply(c, v) {
      c.head.hidden = v as number[];
    },
  },
  dropout: {
    id: 'dropout',
    label: 'Dropout',
    show: (c) => String(Array.isArray(c.head.dropout) ? (c.head.dropout[0] ?? 0.5) : c.head.dropout),
    parse: real('Dropout is a fraction between 0 and 0.95, like 0.5.', (n) => n >= 0 && n <= 0.95),
    apply(c, v) {
      c.head.dropout = v as number;
    },
  },
  lr: {
    id: 'lr',
    label: 'Learning rate',
    show: (c) => String(c.head.optimizer.lr),
    parse: real('The learning rate is a number above 0, like 0.01.', (n) => n > 0 && n <= 10),
    apply(c, v) {
      c.head.optimizer.lr = v as number;
    },
  },
  momentum: {
    id: 'momentum',
    label: 'Momentum',
    show: (c) => String(c.head.optimizer.kind === 'sgd' ? (c.head.optimizer.momentum ?? 0) : 0),
    parse: real('Momentum is a number from 0 to 1, like 0.9 (0 = none).', (n) => n >= 0 && n <= 1),
    apply(c, v) {
      if (c.head.optimizer.kind === 'sgd') c.head.optimizer.momentum = v as number;
    },
  },
  epochs: {
    id: 'epochs',
    label: 'Epochs',
    show: (c) => String(c.head.epochs),
    parse: integer('Epochs is a whole number from 1 to 100,000, like 50.', 1, 100_000),
    apply(c, v) {
      c.head.epochs = v as number;
    },
  },
  batchSize: {
    id: 'batchSize',
    label: 'Batch size',
    show: (c) => String(c.head.batchSize),
    parse: integer('The batch size is a whole number of images from 1 to 65,536, like 32.', 1, 65_536),
    apply(c, v) {
      c.head.batchSize = v as number;
    },
  },
  l2: {
    id: 'l2',
    label: 'L2',
    show: (c) => String(c.head.l2),
    parse: real('L2 is a penalty of 0 or more, like 0.0001 (0 = none).', (n) => n >= 0 && n <= 10),
    apply(c, v) {
      c.head.l2 = v as number;
    },
  },
  patience: {
    id: 'patience',
    label: 'Early stopping patience',
    show: (c) => String(c.head.earlyStopping?.patience ?? 0),
    parse: integer('Patience is a whole number of epochs, 0 or more (0 = no early stopping).', 0, 100_000),
    apply(c, v) {
      c.head.earlyStopping = (v as number) > 0 ? { ...(c.head.earlyStopping ?? {}), patience: v as number } : null;
    },
  },
  seed: {
    id: 'seed',
    label: 'Seed',
    show: (c) => String(c.seed),
    parse: integer('The seed is a whole number from 0 to 4,294,967,295.', 0, 2 ** 32 - 1),
    apply(c, v) {
      c.seed = v as number;
    },
  },
  ftEpochs: {
    id: 'ftEpochs',
    label: 'Fine-tuning epochs',
    show: (c) => String(c.fineTune.epochs),
    parse: integer('Fine-tuning epochs is a whole number, 0 or more (0 = no fine-tuning).', 0, 10_000),
    apply(c, v) {
      c.fineTune.epochs = v as number;
    },
  },
  ftLr: {
    id: 'ftLr',
    label: 'Fine-tuning learning rate',
    show: (c) => String(c.fineTune.optimizer.lr),
    parse: real('The learning rate is a number above 0, like 0.005.', (n) => n > 0 && n <= 10),
    apply(c, v) {
      c.fineTune.optimizer.lr = v as number;
    },
  },
  ftBatchSize: {
    id: 'ftBatchSize',
    label: 'Fine-tuning batch size',
    show: (c) => String(c.fineTune.batchSize),
    parse: integer('The batch size is a whole number of images from 1 to 1,024, like 16.', 1, 1024),
    apply(c, v) {
      c.fineTune.batchSize = v as number;
    },
  },
  ftTrainableFrom: {
    id: 'ftTrainableFrom',
    label: 'Trainable from block',
    show: (c) => String(c.fineTune.trainableFrom),
    parse(text) {
      const t = text.trim().toLowerCase();
      if (t === 'all' || t === '') return { ok: true, value: 'all' };
      const n = number(t);
      return n !== null && Number.isInteger(n) && n >= 1 && n <= 14 ? { ok: true, value: n } : { ok: false, message: 'Type "all", or a block number from 1 to 14.' };
    },
    apply(c, v) {
      c.fineTune.trainableFrom = v as 'all' | number;
    },
  },
};

/** Problems in words for a configuration's whole-form rules (ones no single field can check). */
export function formProblems(c: RunConfig): string[] {
  const out: string[] = [];
  if (Array.isArray(c.head.dropout) && c.head.dropout.length !== c.head.hidden.length) out.push(`Dropout has ${c.head.dropout.length} rates for ${c.head.hidden.length} hidden layers.`);
  return out;
}

/**
 * A refused run in the words of the form: when the core's error names a field of the
 * run configuration (`config.head.dropout`, as every error carries its field), the
 * form's own sentence for that box ("Dropout is a fraction between 0 and 0.95, like
 * 0.5."); any other error as errorText says it.
 */
export function runErrorInWords(err: unknown): string {
  const field = err && typeof err === 'object' && typeof (err as { field?: unknown }).field === 'string' ? (err as { field: string }).field : '';
  const byPath: Record<string, RunFieldId> = {
    'head.hidden': 'hidden',
    'head.dropout': 'dropout',
    'head.optimizer.lr': 'lr',
    'head.optimizer.momentum': 'momentum',
    'head.epochs': 'epochs',
    'head.batchSize': 'batchSize',
    'head.l2': 'l2',
    'head.earlyStopping.patience': 'patience',
    seed: 'seed',
    'fineTune.epochs': 'ftEpochs',
    'fineTune.optimizer.lr': 'ftLr',
    'fineTune.batchSize': 'ftBatchSize',
    'fineTune.trainableFrom': 'ftTrainableFrom',
  };
  // config.head.hidden.1 is the Hidden layers box.
  const id = byPath[field.replace(/^config\./, '').replace(/\.\d+$/, '')];
  const r = id ? RUN_FIELDS[id].parse('x') : null;
  return r && !r.ok ? r.message : errorText(err);
}
