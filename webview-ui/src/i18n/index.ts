// Picks English or 简体中文 from the host's locale (VS Code's display language, or the browser's)
// and fills `{name}` placeholders.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { en, type MessageKey } from './en';
import { zhCN } from './zh-CN';

export type Locale = 'en' | 'zh-CN';
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;
export type { MessageKey };

const TABLES: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

/** Any Chinese locale gets 简体中文 (the only Chinese table we have); everything else English. */
export function pickLocale(locale: string | undefined): Locale {
  return locale && /^zh\b/i.test(locale.replace('_', '-')) ? 'zh-CN' : 'en';
}

export function translator(locale: Locale): Translate {
  const table = TABLES[locale];
  return (key, vars) => {
    const template = table[key] ?? en[key] ?? key;
    if (!vars) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
  };
}

/** The message for a protocol error code in the user's language, else the server's sentence. */
export function errorText(t: Translate, error: { code: string; message: string } | undefined): string {
  if (!error) return t('error.unknown');
  const key = `error.${error.code}` as MessageKey;
  return key in en ? t(key) : error.message || t('error.unknown');
}

export const I18n = createContext<{ t: Translate; locale: Locale }>({ t: translator('en'), locale: 'en' });

export function useT(): Translate {
  return useContext(I18n).t;
}

export function useLocale(): Locale {
  return useContext(I18n).locale;
}
