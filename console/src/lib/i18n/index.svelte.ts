// The console's language: zh-CN by default (the brand's staff), English on request; remembered
// in localStorage (a preference, not a secret).
import { en } from './en';
import { zhCN } from './zh-CN';
import type { Dictionary } from './en';

export type Locale = 'zh-CN' | 'en';
export type Key = keyof Dictionary;

const dictionaries: Record<Locale, Dictionary> = { 'zh-CN': zhCN, en };

function initial(): Locale {
  const saved = localStorage.getItem('patron.locale');
  return saved === 'en' || saved === 'zh-CN' ? saved : 'zh-CN';
}

export const i18n = $state({ locale: initial() });

export function setLocale(locale: Locale): void {
  i18n.locale = locale;
  localStorage.setItem('patron.locale', locale);
  document.documentElement.lang = locale;
}

/** The text of `key` in the current language, with `{name}` placeholders filled in. */
export function t(key: Key, params: Record<string, string | number> = {}): string {
  const text = dictionaries[i18n.locale][key];
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** Whether the dictionary has a text for an API value such as `TRUE_FRIEND`. */
export function label(value: string | null | undefined): string {
  if (!value) return t('none');
  const key = value.toUpperCase();
  return key in en ? t(key as Key) : value;
}
