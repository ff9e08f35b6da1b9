// The words of a task: its kind, the outcomes of a call, why a lapsed member stopped coming, and
// why the task exists, in the console's language.
import type { CallOutcome, LapseReason, TaskKind } from '../../lib/gql/graphql';
import { label, t, type Key } from '../../lib/i18n/index.svelte';
import { date, money } from '../../lib/format';

export const kinds: TaskKind[] = ['BIRTHDAY_CALL', 'HOLIDAY_CALL', 'WINBACK_CALL', 'WELCOME_CALL', 'AFTER_PURCHASE_CALL', 'COMPLAINT_FOLLOW_UP', 'CARE_CALL', 'JOURNEY_CALL'];

export const kindName = (kind: TaskKind): string => t(`taskKind.${kind}`);

export const outcomes: [CallOutcome, Key][] = [
  ['REACHED', 'outcomeReached'],
  ['WILL_VISIT', 'outcomeWillVisit'],
  ['NO_ANSWER', 'outcomeNoAnswer'],
  ['DECLINED', 'outcomeDeclined'],
  ['WRONG_NUMBER', 'outcomeWrongNumber'],
];

export const outcomeName = (outcome: CallOutcome): string => t(outcomes.find(([o]) => o === outcome)?.[1] ?? 'none');

/** The reasons a member may give, "none given" apart (it has a button of its own). */
export const lapseReasons: LapseReason[] = ['PRICE', 'PRODUCT', 'SERVICE', 'MOVED_AWAY', 'COMPETITOR'];

export const lapseName = (reason: LapseReason): string => t(`lapse.${reason}`);

/**
 * The API's reason (English: `birthday on 2026-12-09`, `order O1 of 1200.00 on 2026-12-03`,
 * `playbook deep_care: a call every 90 days`, …)
 * in the console's language; one it does not know, as it came.
 */
export function reasonText(reason: string): string {
  const birthday = reason.match(/^birthday on (\d{4}-\d{2}-\d{2})$/);
  if (birthday) return t('taskReasonBirthday', { date: date(birthday[1]) });
  const order = reason.match(/^order (.+) of (\d+(?:\.\d+)?) on (\d{4}-\d{2}-\d{2})$/);
  if (order) return t('taskReasonOrder', { order: order[1]!, amount: money(order[2]), date: date(order[3]) });
  const holiday = reason.match(/^holiday (\S+) on (\d{4}-\d{2}-\d{2})$/);
  if (holiday) return t('taskReasonHoliday', { date: date(holiday[2]) });
  const complaint = reason.match(/^complaint (\d+) resolved on (\d{4}-\d{2}-\d{2})$/);
  if (complaint) return t('taskReasonComplaint', { date: date(complaint[2]) });
  const care = reason.match(/^playbook (\w+): a call every (\d+) days$/);
  if (care) return t('taskReasonCare', { playbook: label(care[1]), days: care[2]! });
  if (reason === 'lapsed after repeat purchases') return t('taskReasonLapsed');
  if (reason === 'first reached the tier') return t('taskReasonFirstTier');
  return reason;
}
