// The page-facing API of the paywall loader (www/paywall.js): `window.Paywall` (or, on a page
// that has a `Paywall` of its own, `window[Symbol.for("paywall")]`) and the events each
// `[data-paywall]` container dispatches (they bubble, so `document` hears them too).
//
// The loader mounts a widget on every `[data-paywall]` element, including those that appear
// later, and takes it off one that leaves the page: single-page apps need not call anything.

/** Options for `Paywall.mount`; each is the same as the `data-paywall-*` attribute. */
export interface PaywallMountOptions {
  /** Language of the prompt and dialog: `en`, `fr`, `de` or `es` (default: the page's `lang`). */
  locale?: string;
  /** `light`, `dark`, or `auto` (follow `prefers-color-scheme`, the default). */
  theme?: "light" | "dark" | "auto";
  /** Where Subscribe leads (default `/subscribe`). */
  subscribeUrl?: string;
  /** A JWT the publisher signed for its signed-in reader, exchanged for a session. */
  token?: string;
}

export interface Paywall {
  /**
   * Mounts a widget on an element with `data-paywall="ARTICLE-ID"` now, with these options
   * (the loader would mount it anyway; this is for an element taken off with `unmount`, or to
   * give options).
   */
  mount(element: Element, options?: PaywallMountOptions): void;
  /**
   * Takes the widget off; the free section stays as it was, and the loader leaves the element
   * alone until `mount` is called for it again.
   */
  unmount(element: Element): void;
  /** Signs the reader in with a JWT the publisher signed; every widget follows. */
  setToken(token: string): Promise<void>;
  /** Signs out here and on the server; every widget shows its prompt again. */
  signOut(): Promise<void>;
  /** Asks the server again what the reader may read, in every widget. */
  refresh(): void;
}

interface PaywallDetail {
  articleId: string;
}

export interface PaywallEventMap {
  "paywall:ready": CustomEvent<PaywallDetail>;
  "paywall:locked": CustomEvent<PaywallDetail & { lockedSections: string[]; signedIn: boolean }>;
  "paywall:dialog-open": CustomEvent<PaywallDetail>;
  "paywall:code-sent": CustomEvent<PaywallDetail>;
  "paywall:signed-in": CustomEvent<PaywallDetail & { email: string }>;
  "paywall:unlocked": CustomEvent<PaywallDetail & { sections: number }>;
  "paywall:metered": CustomEvent<PaywallDetail & { articlesRead: number; articlesLeft: number; limit: number; resetsAt: number }>;
  "paywall:subscribe-click": CustomEvent<PaywallDetail>;
  "paywall:signed-out": CustomEvent<PaywallDetail>;
  "paywall:error": CustomEvent<PaywallDetail & { message: string; status: number | null }>;
}

declare global {
  interface Window {
    Paywall?: Paywall;
  }
  interface DocumentEventMap extends PaywallEventMap {}
  interface HTMLElementEventMap extends PaywallEventMap {}
}
