// A folder browser's state, for the stores that offer one (import's folder,
// Try it's images): the listing shown, the error of the last folder asked
// for, and browse(). Only the answer to the newest request is kept.
import { ref } from 'vue';
import type { FolderListing } from '../../../shared/api.ts';
import { getStudioApi } from '../api/index.ts';
import { errorText } from '../display/format.ts';
import { newestRequest } from './newest-request.ts';

export function folderListing() {
  const listing = ref<FolderListing | null>(null);
  const error = ref<string | null>(null);
  const request = newestRequest();

  /** Lists `path` (the core's default folder when none); an older answer arriving later is dropped. */
  async function browse(path?: string): Promise<void> {
    const ticket = request();
    error.value = null;
    try {
      const answer = await getStudioApi().listFolder(path ? { path } : {});
      if (ticket.current) listing.value = answer;
    } catch (err) {
      if (ticket.current) error.value = errorText(err);
    }
  }
  /** Another project was opened: nothing listed for the last one stays, and answers on their way are dropped. */
  function reset(): void {
    request();
    listing.value = null;
    error.value = null;
  }
  return { listing, error, browse, reset };
}
