/** Small steps the end-to-end test repeats: uploads, selects, API calls, screenshots, job polling. */
import { expect, type Page } from "@playwright/test";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const shots = resolve(repo, process.env.SCREENSHOTS ?? "artifacts/screenshots");
export const traceFile = resolve(repo, process.env.E2E_ARTIFACTS ?? "artifacts/e2e", "trace.zip");
mkdirSync(shots, { recursive: true });

export const shot = (page: Page, name: string) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

/** Write `content` as `name` in `dir` and return the path. */
export function file(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Drop a file on the datasets page's upload box; resolves with the upload's JSON answer. */
export async function upload(page: Page, path: string): Promise<{ id: string; status: string; name: string }> {
  const answer = page.waitForResponse((r) => r.url().includes("/api/v1/data/upload") && r.request().method() === "POST");
  await page.locator('input[type="file"]').setInputFiles(path);
  const response = await answer;
  expect(response.ok(), await response.text()).toBe(true);
  await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/);
  return response.json();
}

/** Open the select labelled `label` and choose `option`. */
export async function pick(page: Page, label: string, option: string): Promise<void> {
  await page.getByLabel(label, { exact: true }).click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: option }).first().click();
  await expect(page.locator(".ant-select-dropdown:visible")).toHaveCount(0);
}

/** Press the wizard's Next until its URL shows `step` (a click during a re-render can be lost). */
export async function nextTo(page: Page, step: number): Promise<void> {
  const reached = new RegExp(`step=${step}`);
  await expect(async () => {
    if (!reached.test(page.url())) await page.getByRole("button", { name: "下一步" }).click({ timeout: 2000 });
    await expect(page).toHaveURL(reached, { timeout: 2000 });
  }).toPass({ timeout: 30000 });
}

/** The signed-in user's access token (from the console's storage). */
export function token(page: Page): Promise<string> {
  return page.evaluate(() => JSON.parse(localStorage.getItem("tp.tokens") ?? "{}").access as string);
}

/** A JSON API call with the page's token. */
export async function api<T = unknown>(page: Page, method: string, path: string, body?: unknown): Promise<T> {
  const response = await page.request.fetch(`/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${await token(page)}` },
    data: body,
  });
  const text = await response.text();
  if (!response.ok()) throw new Error(`${method} ${path}: ${response.status()} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Wait (on the job page, without reloading) until the job settles; the statuses seen on the way. */
export async function watchJob(page: Page, until = ["succeeded", "failed", "cancelled"]): Promise<string[]> {
  const seen: string[] = [];
  await expect(async () => {
    const status = await page.getByTestId("job-status").locator("[data-status]").getAttribute("data-status");
    if (status && seen.at(-1) !== status) seen.push(status);
    expect(until).toContain(status);
  }).toPass({ timeout: 150_000, intervals: [200] });
  return seen;
}
