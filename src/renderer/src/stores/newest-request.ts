/**
 * Answers can arrive out of order: the folder the dialog lists on opening may
 * answer after the folder the user then typed, and would replace it (the import
 * button then names the wrong folder). A store asks for a ticket before each
 * request and keeps an answer only while its ticket is still the newest.
 */
export interface RequestTicket {
  /** True until a newer request of the same sequence has been started. */
  readonly current: boolean;
}

export function newestRequest(): () => RequestTicket {
  let newest = 0;
  return () => {
    const mine = ++newest;
    return {
      get current() {
        return mine === newest;
      },
    };
  };
}
