/** i18next set up with Chinese by default and an English switch remembered in localStorage. */
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import en from "./en";
import zh from "./zh";

export const LANG_KEY = "tp.lang";
export type Lang = "zh" | "en";

function initialLang(): Lang {
  const saved = typeof localStorage !== "undefined" ? localStorage.getItem(LANG_KEY) : null;
  return saved === "en" ? "en" : "zh";
}

void i18n.use(initReactI18next).init({
  resources: { zh: { translation: zh }, en: { translation: en } },
  lng: initialLang(),
  fallbackLng: "zh",
  interpolation: { escapeValue: false },
});

/** Switch the UI language and remember it. */
export function setLanguage(lang: Lang): void {
  localStorage.setItem(LANG_KEY, lang);
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
  void i18n.changeLanguage(lang);
}

export default i18n;
