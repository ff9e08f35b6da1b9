// What a campaign's kind decides on its page: the built-in birthday, holiday, win-back and
// points-expiry-notice campaigns have no schedule (a send time instead) and are paused, not cancelled;
// some of them go days early.
import type { CampaignKind } from '../../lib/gql/graphql';

/** A campaign the server runs by itself (birthday, holiday, win-back, points notice). */
export function isBuiltin(kind: CampaignKind): boolean {
  return kind === 'BIRTHDAY' || kind === 'HOLIDAY' || kind === 'WINBACK' || kind === 'POINTS_EXPIRY';
}

/** A built-in kind whose emails go some days ahead of the day they are about. */
export function sendsEarly(kind: CampaignKind): boolean {
  return kind === 'BIRTHDAY' || kind === 'HOLIDAY' || kind === 'POINTS_EXPIRY';
}
