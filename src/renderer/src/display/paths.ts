// Paths of the machine running the core, shown in the renderer (no node:path here):
// either separator, as the core may run on Windows.

/** The last part of a path ("/photos/cats/" → "cats"). */
export function baseName(p: string): string {
  return p.split(/[\\/]/).filter(Boolean).pop() ?? p;
}

/** The folder holding a path ("/photos/cats" → "/photos"); a root stays itself. */
export function parentFolder(p: string): string {
  const up = p.replace(/[\\/][^\\/]+[\\/]?$/, '');
  return up !== '' ? up : p.startsWith('/') ? '/' : p;
}
