import os from 'node:os';

/** Who made a change, for the label history: `cli:alice`, `ui:alice`, `import:alice`. */
export function defaultActor(via = 'cli'): string {
  try {
    return `${via}:${os.userInfo().username}`;
  } catch {
    return via;
  }
}
