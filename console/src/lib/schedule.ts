// A campaign's schedule as the server stores it (`{"at":…}`, `{"local":{"date","time"}}`,
// `{"cron":…}`, `"onEntry"`), as a form model and in plain words.
import { describeCron } from './cron';
import { t, type Locale } from './i18n/index.svelte';
import { date } from './format';

export type ScheduleKind = 'none' | 'at' | 'local' | 'cron' | 'onEntry';

export interface ScheduleModel {
  kind: ScheduleKind;
  /** `YYYY-MM-DDTHH:MM` (a datetime-local input) in the brand's zone. */
  at: string;
  date: string;
  /** `HH:MM` in each member's zone. */
  time: string;
  cron: string;
}

export function readSchedule(json: unknown): ScheduleModel {
  const model: ScheduleModel = { kind: 'none', at: '', date: '', time: '10:00', cron: '0 0 10 * * TUE' };
  if (json === 'onEntry') return { ...model, kind: 'onEntry' };
  const o = (json ?? {}) as { at?: string; local?: { date: string; time: string }; cron?: string };
  if (o.at) return { ...model, kind: 'at', at: o.at.slice(0, 16) };
  if (o.local) return { ...model, kind: 'local', date: o.local.date, time: o.local.time.slice(0, 5) };
  if (o.cron) return { ...model, kind: 'cron', cron: o.cron };
  return model;
}

/** `10:00` or `10:00:30` as a NaiveTime with seconds. */
const withSeconds = (time: string) => (time.length === 5 ? `${time}:00` : time);

/** The ScheduleInput for the form model (null: leave the schedule as it is). */
export function scheduleInput(m: ScheduleModel) {
  switch (m.kind) {
    case 'at':
      return { at: withSeconds(m.at) };
    case 'local':
      return { local: { date: m.date, time: withSeconds(m.time) } };
    case 'cron':
      return { cron: m.cron.trim() };
    case 'onEntry':
      return { onEntry: true };
    default:
      return null;
  }
}

function atText(at: string): string {
  const [day = '', time = ''] = at.split('T');
  return `${date(day)} ${time.slice(0, 5)}`.trim();
}

/** The schedule in words, in the console's language. */
export function scheduleText(json: unknown, locale: Locale): string {
  const m = readSchedule(json);
  switch (m.kind) {
    case 'at':
      return t('schedAtText', { at: atText(m.at) });
    case 'local':
      return t('schedLocalText', { date: date(m.date), time: m.time });
    case 'cron':
      return `${describeCron(m.cron, locale) ?? m.cron} (${t('schedBrandZone')})`;
    case 'onEntry':
      return t('schedOnEntryText');
    default:
      return t('schedAutomatic');
  }
}
