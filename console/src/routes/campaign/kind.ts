// What a campaign's kind decides on its page: the built-in birthday, holiday, win-back,
// points-expiry and coupon-expiry notice campaigns have no schedule (a send time instead) and are paused, not cancelled;
// some of them go days early.
import type { CampaignKind } from '../../lib/gql/graphql';

/** A campaign the server runs by itself (birthday, holiday, win-back, points and coupon notices). */
export function isBuiltin(kind: CampaignKind): boolean {
  return sendsEarly(kind) || kind === 'WINBACK';
}

/**
 * A journey message: sent by the journeys whose send steps name it, so it has no audience,
 * schedule or life cycle of its own; only a name, its channels and its templates.
 */
export function isJourneyMessage(kind: CampaignKind): boolean {
  return kind === 'JOURNEY';
}

/** A built-in kind whose emails go some days ahead of the day they are about. */
export function sendsEarly(kind: CampaignKind): boolean {
  return kind === 'BIRTHDAY' || kind === 'HOLIDAY' || kind === 'POINTS_EXPIRY' || kind === 'COUPON_EXPIRY';
}

/** How the lead time of a kind that goes early is labelled, and the server's default for it. */
export function leadTime(kind: CampaignKind): { label: 'campDaysBeforeBirthday' | 'campDaysBeforePoints' | 'campDaysBeforeCoupon' | 'campDaysBeforeHoliday'; placeholder: string } {
  switch (kind) {
    case 'BIRTHDAY': return { label: 'campDaysBeforeBirthday', placeholder: '0' };
    case 'POINTS_EXPIRY': return { label: 'campDaysBeforePoints', placeholder: '14' };
    case 'COUPON_EXPIRY': return { label: 'campDaysBeforeCoupon', placeholder: '3' };
    default: return { label: 'campDaysBeforeHoliday', placeholder: '3' };
  }
}
