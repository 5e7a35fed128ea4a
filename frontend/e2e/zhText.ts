/** Finding English in the Chinese console: every visible text (and placeholder) must be a zh
 * catalogue string, or hold no Latin word other than data values, proper names and technical terms.
 * Data regions (log lines, ids, names users typed) carry `data-user-content` and are not checked. */
import type { Page } from "@playwright/test";
import zh from "../src/i18n/zh";
import { zhCatalog } from "../src/i18n/zhCatalog";

const LATIN_WORD = /[A-Za-z][A-Za-z0-9_\-.²]*/g;
// Names of formats, libraries and units (M: millions of parameters) that stay as they are in Chinese text.
const PROPER_NAMES = ["LightGBM", "TF-IDF", "CSV", "TSV", "Excel", "JSON", "JSONL", "TXT", "Parquet", "ONNX", "LoRA", "IP",
  "UTF-8", "GBK", "GB18030", "F1", "R²", "B", "KB", "MB", "GB", "M", "INT8", "Transformer", "scikit-learn", "HistGradientBoosting", "BOM"];
// Technical terms a Chinese data scientist reads as they are in help texts: a model family (SVM), a function
// (sigmoid, log) and formula symbols (C: inverse regularisation strength, tf: term frequency).
const TECHNICAL_TERMS = ["SVM", "sigmoid", "log", "C", "tf"];

function strings(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value && typeof value === "object") return Object.values(value).flatMap(strings);
  return [];
}

const catalogue = [...strings(zh), ...strings(zhCatalog)];
const exact = new Set(catalogue);
// A template with no letter or digit of its own outside its placeholders (e.g. "{{metric}}" or
// "{{current}} / {{total}}") would match almost any text, so it is no allow-pattern.
const templates = catalogue
  .filter((s) => s.includes("{{") && /[\p{L}\p{N}]/u.test(s.replace(/\{\{\w+\}\}/g, "")))
  .map((s) => new RegExp(`^${s.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{\{\w+\}\}/g, ".*")}$`, "s"));
const catalogueWords = new Set(catalogue.flatMap((s) => s.replace(/\{\{\w+\}\}/g, "").match(LATIN_WORD) ?? []));

/** The texts among `texts` that are neither catalogue strings nor made of allowed Latin words. */
export function foreignTexts(texts: string[], data: Iterable<string>): string[] {
  const allowed = new Set([...PROPER_NAMES, ...TECHNICAL_TERMS, ...catalogueWords, ...data]);
  return texts.filter((text) => {
    if (!/[A-Za-z]/.test(text) || exact.has(text) || templates.some((r) => r.test(text))) return false;
    const words = text.match(LATIN_WORD) ?? [];
    return words.some((word) => !allowed.has(word.replace(/[.-]+$/, "")) && !/^v\d+$/.test(word) && !/^e-?\d+$/.test(word));
  });
}

/** The visible text nodes and input placeholders of the page. */
export async function visibleTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const text = node.textContent?.trim();
      const parent = node.parentElement;
      if (!text || !parent || parent.closest("script, style, [aria-hidden='true'], [data-user-content]")) continue;
      if (!parent.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
      out.push(text);
    }
    for (const input of document.querySelectorAll<HTMLInputElement>("input[placeholder], textarea[placeholder]")) {
      if (input.checkVisibility() && input.placeholder && !input.closest("[data-user-content]")) out.push(input.placeholder);
    }
    return out;
  });
}
