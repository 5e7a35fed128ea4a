/** Server codes (errors, validation issues, audit actions, types, statistics, stages) in the UI's
 * language; an unknown code falls back to what the server sent. */
import { useCallback } from "react";
import { useTranslation } from "react-i18next";
import i18n from "./index";
import { enCatalog } from "./enCatalog";
import { zhCatalog } from "./zhCatalog";

export type NameGroup = keyof typeof zhCatalog;
export type Vars = Record<string, unknown>;

/** `{{name}}` placeholders filled from `vars` ("?" where a value is missing). */
export function fill(template: string, vars: Vars = {}): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = vars[name];
    return value === undefined || value === null ? "?" : String(value);
  });
}

/** The catalogue entry for `key` in `lang`, or undefined. */
export function lookup(lang: string, group: NameGroup, key: string): string | undefined {
  const catalog = (lang === "en" ? enCatalog : zhCatalog)[group] as Record<string, string>;
  return Object.prototype.hasOwnProperty.call(catalog, key) ? catalog[key] : undefined;
}

/** `name(group, key, fallback?, vars?)` for the current language. */
export function useNames() {
  const { i18n } = useTranslation();
  const lang = i18n.language;
  return useCallback(
    (group: NameGroup, key: string | null | undefined, fallback?: string, vars?: Vars): string => {
      const found = key ? lookup(lang, group, key) : undefined;
      return found !== undefined ? fill(found, vars) : (fallback ?? key ?? "");
    },
    [lang],
  );
}

/** One field error (a pydantic `type` or an error code, filled from `vars` when given) in `lang`, else the server's words. */
export function fieldErrorText(type: string | undefined, message: string, lang = i18n.language, vars?: Vars): string {
  const template = type && (lookup(lang, "fieldErrors", type) ?? lookup(lang, "errorCodes", type));
  if (!template) return message;
  return vars ? fill(template, vars) : template;
}

// Parameters whose value is a name someone chose (a base model folder), never a word to translate.
const FREE_TEXT_PARAMS = new Set(["base_model"]);

/** Parameter `key`'s value in the UI's language: known words (none, auto, cosine, true…) named, names and numbers as sent. */
export function paramValue(name: ReturnType<typeof useNames>, key: string, value: unknown): string {
  if (typeof value === "string" && FREE_TEXT_PARAMS.has(key)) return value;
  if (value === null || typeof value === "boolean" || typeof value === "string") return name("paramValues", String(value));
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A metric key ("accuracy", "validation/log_loss", "test_rmse", "base_accuracy") in the UI's language. */
export function metricName(name: ReturnType<typeof useNames>, key: string): string {
  const match = /^(train|validation|test|base)[/_](.+)$/.exec(key);
  if (!match) return name("metrics", key);
  return `${name("splits", match[1])} · ${name("metrics", match[2])}`;
}
