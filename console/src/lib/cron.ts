// A cron expression (with seconds, as the server reads it) in plain words in the console's
// language, by cronstrue (its zh_CN wording for Chinese).
import cronstrue from 'cronstrue';
import 'cronstrue/locales/zh_CN';
import type { Locale } from './i18n/index.svelte';

/** The reading, or null when cronstrue cannot read it (the server has the last word on saving). */
export function describeCron(expression: string, locale: Locale): string | null {
  const text = expression.trim();
  if (!text) return null;
  try {
    return cronstrue.toString(text, {
      locale: locale === 'zh-CN' ? 'zh_CN' : 'en',
      use24HourTimeFormat: true,
      throwExceptionOnParseError: true,
    });
  } catch {
    return null;
  }
}
