// The console's language: on a first visit the browser's (Chinese for a zh* language, English
// otherwise); once chosen with the switch, remembered in localStorage (a preference, not a
// secret) and kept over the browser's.
import { en } from './en';
import { zhCN } from './zh-CN';
import type { Dictionary } from './en';

export type Locale = 'zh-CN' | 'en';
export type Key = keyof Dictionary;

const dictionaries: Record<Locale, Dictionary> = { 'zh-CN': zhCN, en };

/**
 * The language the browser prefers among ours: the first of its languages that is Chinese
 * (`zh`, `zh-TW`, `zh-Hans-CN`…) or English decides; none of them, English.
 */
function browserLocale(languages: readonly string[]): Locale {
  for (const language of languages) {
    const primary = language.toLowerCase().split(/[-_]/)[0];
    if (primary === 'zh') return 'zh-CN';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

function initial(): Locale {
  const saved = localStorage.getItem('patron.locale');
  if (saved === 'en' || saved === 'zh-CN') return saved;
  return browserLocale(navigator.languages?.length ? navigator.languages : [navigator.language]);
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
