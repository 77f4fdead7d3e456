import type { HistoryEntry, HistoryPosition, ImageLabelEvent } from '../../studio/labels/history.ts';
import type { SetLabelsResult, UndoRedoResult } from '../../studio/labels/label-service.ts';

/** Human-readable output of `xstudio label` (with --json the result object is printed as is). */

const when = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const position = (h: HistoryPosition): string => `history: ${h.undoable} undoable, ${h.redoable} redoable`;
const entryLine = (e: HistoryEntry): string =>
  `#${e.id} ${when(e.at)} ${e.actor}: ${e.description}${e.undone ? ' (undone)' : ''}`;

export function formatLabelResult(result: object): string {
  if ('events' in result) {
    const { imageId, events } = result as { imageId: number; events: ImageLabelEvent[] };
    if (events.length === 0) return `image ${imageId}: no label changes recorded`;
    return events
      .map((e) => `${when(e.at)} ${e.actor}: ${e.from ?? 'unlabelled'} → ${e.to ?? 'unlabelled'}${e.undone ? ' (undone)' : ''}`)
      .join('\n');
  }
  if ('entries' in result) {
    const { entries, history } = result as { entries: HistoryEntry[]; history: HistoryPosition };
    return [...entries.map(entryLine), position(history)].join('\n');
  }
  if ('changed' in result) {
    const r = result as SetLabelsResult;
    const what = r.class === null ? 'cleared the label of' : `labelled "${r.class}"${r.classCreated ? ' (new class)' : ''}:`;
    return `${what} ${r.images} image(s), ${r.changed} changed\n${position(r.history)}`;
  }
  const r = result as UndoRedoResult;
  if (!r.entry) {
    const h = r.history;
    const what = h.undoable === 0 && h.redoable === 0 ? 'undo or redo' : h.redoable === 0 ? 'redo' : 'undo';
    return `nothing to ${what}\n${position(h)}`;
  }
  return `${r.entry.undone ? 'undid' : 'redid'} ${entryLine({ ...r.entry, undone: false })}\n${position(r.history)}`;
}
