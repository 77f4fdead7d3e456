import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { studioCacheDir } from '../paths.ts';
import type { BuiltinName } from '../../../shared/backbone-catalog.ts';
import { KNOWN_WEIGHTS, knownWeights, type KnownWeights } from './known-weights.ts';

/** studioCacheDir()/weights: downloaded and imported weights files. */
export function weightsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(studioCacheDir(env), 'weights');
}

/** Keras' own cache ($KERAS_HOME/models, else ~/.keras/models), reused when it holds the official file. */
export function kerasModelsDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.KERAS_HOME ? path.resolve(env.KERAS_HOME) : path.join(os.homedir(), '.keras'), 'models');
}

export async function fileDigest(file: string, algorithm: 'md5' | 'sha256'): Promise<string> {
  const hash = crypto.createHash(algorithm);
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface WeightsEntry {
  id: string;
  /** The built-in backbone an official file belongs to; null for imported files. */
  backbone: BuiltinName | null;
  fileName: string;
  description: string;
  /** Where the file is, or null when neither cache has it. */
  file: string | null;
  source: 'studio-cache' | 'keras-cache' | null;
  bytes: number | null;
  md5: string | null;
}

/**
 * Where the official file is, if anywhere: the studio cache (files there were
 * checked when they arrived), else Keras' cache when its md5 matches.
 */
export async function findOfficialWeights(top = false, env: NodeJS.ProcessEnv = process.env, backbone: BuiltinName = 'xception'): Promise<{ file: string; source: 'studio-cache' | 'keras-cache' } | undefined> {
  const k = knownWeights(top, backbone);
  const inCache = path.join(weightsDir(env), k.fileName);
  if (fs.existsSync(inCache)) return { file: inCache, source: 'studio-cache' };
  const inKeras = path.join(kerasModelsDir(env), k.fileName);
  // Without a published md5 (MobileNetV2) Keras' own cached file is taken by its name, as Keras itself does.
  if (fs.existsSync(inKeras) && (k.md5 === null || (await fileDigest(inKeras, 'md5')) === k.md5)) return { file: inKeras, source: 'keras-cache' };
  return undefined;
}

/** For `xstudio weights list`: the official files and anything imported. */
export async function listWeights(env: NodeJS.ProcessEnv = process.env): Promise<WeightsEntry[]> {
  const out: WeightsEntry[] = [];
  for (const k of KNOWN_WEIGHTS) {
    const found = await findOfficialWeights(k.includeTop, env, k.backbone);
    out.push(entry(k, found?.file ?? null, found?.source ?? null));
  }
  const importedDir = path.join(weightsDir(env), 'imported');
  if (fs.existsSync(importedDir)) {
    for (const name of fs.readdirSync(importedDir).sort()) {
      if (!name.endsWith('.h5')) continue;
      const file = path.join(importedDir, name);
      out.push({ id: `imported:${name}`, backbone: null, fileName: name, description: 'imported weights file (not an official Keras file)', file, source: 'studio-cache', bytes: fs.statSync(file).size, md5: await fileDigest(file, 'md5') });
    }
  }
  return out;
}

function entry(k: KnownWeights, file: string | null, source: WeightsEntry['source']): WeightsEntry {
  return { id: k.id, backbone: k.backbone, fileName: k.fileName, description: k.description, file, source, bytes: file ? fs.statSync(file).size : null, md5: k.md5 };
}
