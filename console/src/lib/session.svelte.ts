// The signed-in staff user's token. sessionStorage: shared store devices forget it when the tab
// closes, and it never appears in a URL.
import type { Key } from './i18n/index.svelte';

const KEY = 'patron.token';

export const session = $state({
  token: sessionStorage.getItem(KEY),
  /** Why the user is at the sign-in page, if not by choice. */
  notice: null as Key | null,
});

export function signedIn(token: string): void {
  sessionStorage.setItem(KEY, token);
  session.token = token;
  session.notice = null;
}

export function signOut(notice: Key | null = null): void {
  sessionStorage.removeItem(KEY);
  session.token = null;
  session.notice = notice;
  location.hash = '#/sign-in';
}
