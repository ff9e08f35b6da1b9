// Dates, money and numbers in the console's language.
import { i18n } from './i18n/index.svelte';

/** A calendar date (`2026-11-20`) as written in the locale; no time zone shift. */
export function date(value: string | null | undefined): string {
  if (!value) return '—';
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  const utc = new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1));
  return new Intl.DateTimeFormat(i18n.locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(utc);
}

/** A moment (RFC 3339) in the browser's time zone. */
export function dateTime(value: string | null | undefined): string {
  if (!value) return '—';
  return new Intl.DateTimeFormat(i18n.locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(value));
}

/** Money (the API's decimal strings) in yuan. */
export function money(value: string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return new Intl.NumberFormat(i18n.locale, { style: 'currency', currency: 'CNY' }).format(Number(value));
}

export function percent(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return new Intl.NumberFormat(i18n.locale, { style: 'percent', maximumFractionDigits: 1 }).format(value);
}

export function number(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return new Intl.NumberFormat(i18n.locale, { maximumFractionDigits: digits }).format(value);
}

/** How long ago a moment (RFC 3339) was, in the largest whole unit: `3 hours ago`, `2天前`. */
export function ago(value: string | null | undefined, now: number = Date.now()): string {
  if (!value) return '—';
  const seconds = Math.max(0, (now - new Date(value).getTime()) / 1000);
  const format = new Intl.RelativeTimeFormat(i18n.locale, { numeric: 'auto' });
  if (seconds < 3600) return format.format(-Math.floor(seconds / 60), 'minute');
  if (seconds < 86400) return format.format(-Math.floor(seconds / 3600), 'hour');
  return format.format(-Math.floor(seconds / 86400), 'day');
}
