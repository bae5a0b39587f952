// When the broker link last came back: an error that said "can't reach the broker" and
// is older than that is stale, and the window stops showing it (ErrorText.svelte).

import type { BrokerLink } from "./bindings/BrokerLink";

class Link {
  /** Milliseconds since the epoch when the link last turned live; 0 before. */
  liveSince = $state(0);
  #last: BrokerLink["state"] | null = null;

  update(link: BrokerLink, now: number = Date.now()) {
    if (link.state === "live" && this.#last !== "live") this.liveSince = now;
    this.#last = link.state;
  }
}

export const link = new Link();

/** Whether an error shown at `shownAt` is stale: the broker is back since, and it was about reaching it. */
export function isStale(code: string | undefined, shownAt: number, liveSince: number): boolean {
  return code === "unreachable" && liveSince > shownAt;
}
