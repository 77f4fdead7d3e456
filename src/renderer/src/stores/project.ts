// The open project: its status (images, classes, splits, label history),
// recent projects, the folder browser used by the file pickers, and imports.
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { AppInfo, ClassInfo, HistoryState, ImportRequest, ImportSummary, ProjectStatus, RecentProject } from '../../../shared/api.ts';
import { getStudioApi } from '../api/index.ts';
import { errorText } from '../display/format.ts';
import { folderListing } from './folder-listing.ts';

export const useProjectStore = defineStore('project', () => {
  const app = ref<AppInfo | null>(null);
  const status = ref<ProjectStatus | null>(null);
  const recent = ref<RecentProject[]>([]);
  const error = ref<string | null>(null);
  const busy = ref(false);

  const { listing: folder, error: folderError, browse, reset: resetFolder } = folderListing();

  const importing = ref(false);
  const importSummary = ref<ImportSummary | null>(null);
  const importError = ref<string | null>(null);

  /** Counts 'project.changed' events (a bulk change, or a write by another process such as the CLI). */
  const changes = ref(0);
  const classes = computed<ClassInfo[]>(() => [...(status.value?.classes ?? [])].sort((a, b) => a.position - b.position));
  const history = computed<HistoryState | null>(() => status.value?.history ?? null);
  let connected = false;

  /** Loads the app info (and the project the core has open) and follows project and label events. */
  async function connect(): Promise<void> {
    const api = getStudioApi();
    if (!connected) {
      connected = true;
      api.on('project.changed', (s) => {
        if (status.value && status.value.file !== s.file) resetForOtherProject();
        status.value = s;
        changes.value++;
      });
      api.on('labels.changed', (e) => applyLabels(e.history, e.classes));
      api.on('thumbnails.ready', (e) => {
        if (status.value) status.value = { ...status.value, thumbnails: { ready: e.ready, total: e.total } };
      });
    }
    try {
      const [info, recents] = await Promise.all([api.getAppInfo(), api.listRecentProjects()]);
      app.value = info;
      status.value = info.project;
      recent.value = recents;
    } catch (err) {
      error.value = errorText(err);
    }
  }

  /** Keeps classes and the undo position in step after any label change. */
  function applyLabels(h: HistoryState, c: ClassInfo[]): void {
    if (status.value) status.value = { ...status.value, history: h, classes: c };
  }

  /** What belonged to the project that was open: its import summary, errors, folder listing. */
  function resetForOtherProject(): void {
    importSummary.value = null;
    folderNote.value = null;
    importError.value = null;
    resetFolder();
    error.value = null;
  }

  /** Runs a call that may fail: its message goes to `error`; `busy` is set meanwhile when asked. */
  async function attempt(work: () => Promise<void>, opts: { busy?: boolean } = {}): Promise<boolean> {
    if (opts.busy) busy.value = true;
    error.value = null;
    try {
      await work();
      return true;
    } catch (err) {
      error.value = errorText(err);
      return false;
    } finally {
      if (opts.busy) busy.value = false;
    }
  }

  const run = (action: () => Promise<ProjectStatus>): Promise<boolean> =>
    attempt(async () => {
      const next = await action();
      if (status.value?.file !== next.file) resetForOtherProject();
      status.value = next;
      importSummary.value = null;
      recent.value = await getStudioApi().listRecentProjects();
    }, { busy: true });
  const open = (file: string): Promise<boolean> => run(() => getStudioApi().openProject({ file }));
  const create = (file: string): Promise<boolean> => run(() => getStudioApi().createProject({ file }));

  /** What the last folder removal did, in words (shown under the folder list). */
  const folderNote = ref<string | null>(null);
  /** Takes every image of an imported folder out of the project (the files stay); undo in the gallery brings them back. */
  function removeFolder(folder: string): Promise<boolean> {
    return attempt(async () => {
      const r = await getStudioApi().removeImages({ folder });
      // The last import's figures were about images no longer in the project.
      const root = importSummary.value?.root;
      if (root && (root === folder || root.startsWith(`${folder}/`) || root.startsWith(`${folder}\\`))) importSummary.value = null;
      folderNote.value = r.removed
        ? `Removed ${folder} from the project (${r.removed.toLocaleString('en-US')} image${r.removed === 1 ? '' : 's'}); the files are untouched. Undo in the gallery, or import the folder again, brings them back.`
        : `${folder} had no images left in the project.`;
      // The new status (folders, counts) arrives with the core's project.changed event.
    });
  }

  /** Deletes a project (not the open one) and its side folder; its images stay where they are. */
  const deleteProject = (file: string): Promise<boolean> =>
    attempt(async () => {
      recent.value = await getStudioApi().deleteProject({ file });
    }, { busy: true });

  async function refresh(): Promise<void> {
    try {
      status.value = await getStudioApi().getProjectStatus();
    } catch (err) {
      error.value = errorText(err);
    }
  }

  /** Imports a folder; progress arrives as an 'import' job (see useJobsStore). */
  async function importFolder(request: ImportRequest): Promise<ImportSummary | null> {
    importing.value = true;
    importError.value = null;
    importSummary.value = null;
    try {
      const summary = await getStudioApi().importFolder(request);
      importSummary.value = summary;
      await refresh();
      return summary;
    } catch (err) {
      importError.value = errorText(err);
      return null;
    } finally {
      importing.value = false;
    }
  }

  return { app, status, changes, recent, error, busy, folder, folderError, importing, importSummary, importError, classes, history, connect, applyLabels, open, create, deleteProject, removeFolder, folderNote, refresh, browse, importFolder };
});
