/** Distilling a teacher into a small model in the console, in Chinese: an administrator adds a teacher
 * provider (the local OpenAI-compatible teacher the e2e backend starts) with prices and tests it →
 * a labeling run in the wizard with two teachers (prompt preview, estimate, asking the teachers) →
 * live run page to finished → review queue of the rows the teachers disagree on (one corrected, the
 * rest accepted) → the reviewed rows as the gold set → a TF-IDF student
 * distilled from the run → the report (teacher and student quality on the gold set, costs). Every
 * page on the way holds no English. */
import { expect, test, type BrowserContext, type Locator, type Page } from "@playwright/test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { teacherReviewsCsv } from "./data";
import { file, pick, shot, upload } from "./helpers";
import { ADMIN_PASSWORD, NEW_ADMIN_PASSWORD, teacherPort } from "./settings.mjs";
import { foreignTexts, visibleTexts } from "./zhText";

test.describe.configure({ mode: "serial" });

const PROVIDER = "评论教师";
const RUN = "评论情感标注";
const MODELS = ["qwen-plus", "deepseek-chat"];
// Latin words that are data here: the teachers' model names (and the console test's, when it ran first on
// this backend), the admin's user and display names, the base URL's scheme, the uploaded file's extension
// and the gold set's name and label column.
const DATA_WORDS = [...MODELS, "local-model", "admin", "Administrator", "http", "csv", "gold", "label"];
let context: BrowserContext;
let page: Page;
let work: string;
const pageErrors: string[] = [];
const leaks: string[] = [];
const ids: Record<string, string> = {};
const names: Record<string, string> = {};

/** Record the page's visible texts that are neither Chinese catalogue strings nor data. */
async function checkChinese(where: string): Promise<void> {
  await page.waitForLoadState("networkidle");
  await expect(page.locator(".ant-skeleton")).toHaveCount(0);
  for (const text of foreignTexts(await visibleTexts(page), DATA_WORDS)) leaks.push(`${where}: ${text}`);
}

/** Open the select `select` and choose the option holding `option`; `multiple` leaves it open. */
async function choose(select: string | Locator, option: string | RegExp, multiple = false): Promise<void> {
  await (typeof select === "string" ? page.getByTestId(select) : select).click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: option }).first().click();
  if (!multiple) await expect(page.locator(".ant-select-dropdown:visible")).toHaveCount(0);
}

test.beforeAll(async ({ browser }, info) => {
  const origin = String(info.project.use.baseURL);
  work = mkdtempSync(join(tmpdir(), "tp-e2e-distill-"));
  ids.teacherUrl = `http://127.0.0.1:${teacherPort(new URL(origin).port)}/v1`;
  // The console test, when it ran first on this backend, changed the admin's password.
  for (const password of [ADMIN_PASSWORD, NEW_ADMIN_PASSWORD]) {
    const response = await fetch(`${origin}/api/v1/auth/login`, { method: "POST", body: new URLSearchParams({ username: "admin", password }) });
    if (response.ok) ids.password = password;
  }
  context = await browser.newContext();
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
});

test.afterAll(async () => {
  await context.close();
  rmSync(work, { recursive: true, force: true });
});

test.afterEach(async () => {
  expect(pageErrors, "uncaught errors in the page").toEqual([]);
});

test("the administrator adds the teacher with prices, and its connection test succeeds", async () => {
  await page.goto("/login");
  await page.getByLabel("用户名").fill("admin");
  await page.getByLabel("密码").fill(ids.password);
  await page.getByTestId("login-submit").click();
  await expect(page.getByRole("menuitem", { name: "教师模型" })).toBeVisible();
  await page.getByRole("menuitem", { name: "教师模型" }).click();
  await page.getByTestId("create-provider").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByTestId("provider-name").fill(PROVIDER);
  await pick(page, "类型", "OpenAI 兼容");
  await dialog.getByTestId("provider-base-url").fill(ids.teacherUrl);
  for (const model of MODELS) {
    await dialog.getByLabel("模型").fill(model);
    await dialog.getByLabel("模型").press("Enter");
  }
  await dialog.getByTestId("provider-key").fill("sk-local-teacher-2468");
  for (const [i, model] of MODELS.entries()) {
    await dialog.getByTestId("add-price").click();
    await choose(dialog.getByTestId("price-model").nth(i), model);
    await dialog.getByTestId("price-input").nth(i).fill("0.8");
    await dialog.getByTestId("price-output").nth(i).fill("2");
  }
  await checkChinese("/admin/teachers new provider");
  await page.getByTestId("save-provider").click();
  await expect(dialog).toHaveCount(0);
  const row = page.getByRole("row").filter({ hasText: PROVIDER });
  await row.getByTestId("test-provider").click();
  await expect(row.getByTestId("test-result")).toContainText("连接成功");
  await expect(row.getByTestId("test-result")).toContainText("qwen-plus");
  await shot(page, "50-distill-teacher");
});

test("the reviews to label are uploaded", async () => {
  await page.getByRole("menuitem", { name: "数据集" }).click();
  const reviews = await upload(page, file(work, "商品评论.csv", teacherReviewsCsv()));
  expect(reviews.status).toBe("ready");
  names.reviews = reviews.name;
});

test("the labeling wizard: prompt preview, cost estimate, the teachers' answers, then the run starts", async () => {
  await page.getByRole("menuitem", { name: "数据标注" }).click();
  await page.getByTestId("new-labeling-run").click();
  await page.getByTestId("run-name").fill(RUN);
  await choose("run-dataset", names.reviews);
  await choose("run-columns", /^评论/, true);
  await page.keyboard.press("Escape");
  await expect(page.locator(".ant-select-dropdown:visible")).toHaveCount(0);
  await page.getByTestId("label-name").first().fill("正面");
  await page.getByRole("button", { name: "添加类别" }).click();
  await page.getByTestId("label-name").nth(1).fill("负面");
  await choose("run-teachers", MODELS[0], true);
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: MODELS[1] }).click();
  await page.keyboard.press("Escape");
  await expect(page.locator(".ant-select-dropdown:visible")).toHaveCount(0);
  await page.getByTestId("run-budget").fill("1");
  await checkChinese("/labeling/new");
  await page.getByTestId("run-preview").click();
  const preview = page.getByTestId("labeling-preview");
  await expect(preview).toContainText("文本：这次买的质量很好");
  await expect(preview).toContainText("59");
  await expect(preview.getByTestId("estimate-cost")).toHaveText(/^¥0\.\d+$/);
  await expect(page.getByTestId("run-start")).toBeEnabled();
  await checkChinese("/labeling/new preview");
  await shot(page, "51-distill-wizard-preview");
  await page.getByTestId("run-ask").click();
  await expect(preview.getByTestId("answers-0")).toContainText("正面");
  await expect(preview.getByTestId("answers-0")).toContainText("一致率 100%");
  await checkChinese("/labeling/new answers");
  await shot(page, "52-distill-wizard-answers");
  await page.getByTestId("run-start").click();
  await page.waitForURL(/\/labeling\/[0-9a-f-]{36}$/);
  ids.run = page.url().split("/").pop() ?? "";
});

test("the run page follows the run to the end: rows done and the cost within the budget", async () => {
  const status = page.locator("[data-status]").first();
  const seen: string[] = [];
  await expect(async () => {
    const now = await status.getAttribute("data-status");
    if (now && seen.at(-1) !== now) seen.push(now);
    expect(["succeeded", "failed", "stopped_budget", "cancelled"]).toContain(now);
  }).toPass({ timeout: 90_000, intervals: [200] });
  expect(seen.at(-1), `statuses seen: ${seen.join(" → ")}`).toBe("succeeded");
  await expect(page.getByTestId("run-progress")).toHaveAttribute("aria-valuenow", "100");
  await expect(page.getByText("59 / 59", { exact: true })).toBeVisible();
  await expect(page.getByTestId("run-cost")).toHaveText(/^¥0\.\d+ \/ 预算 ¥1\.00$/);
  expect(await page.getByTestId("run-cost").innerText()).not.toMatch(/^¥0\.00 /);
  await checkChinese(`/labeling/${ids.run}`);
  await shot(page, "53-distill-run");
});

test("the review queue holds the rows the teachers disagree on: one corrected, the rest accepted, kept as the gold set", async () => {
  await page.getByTestId("run-review").click();
  await page.waitForURL(/\/labeling-runs\/[0-9a-f-]{36}\/review$/);
  const position = page.getByTestId("review-position");
  await expect(position).toHaveText("1 / 15");
  await checkChinese(`/labeling-runs/${ids.run}/review`);
  await shot(page, "54-distill-review");
  for (let left = 15; left > 0; left--) {
    await expect(position).toHaveText(`1 / ${left}`);
    const source = await page.getByTestId("review-source").first().innerText();
    // Ties go to the first teacher, the keyword one: 喜欢 is praise, a recommended product's complaint is not.
    await expect(page.getByTestId("review-verdict")).toHaveText(source.includes("喜欢") ? "正面" : "负面");
    if (source.includes("不喜欢")) {
      // The keyword teacher read 不喜欢 as praise; the reviewer knows better.
      await page.getByRole("button", { name: "2. 负面" }).click();
    } else {
      await page.getByRole("button", { name: "采纳 (A)" }).click();
    }
  }
  await expect(position).toHaveText("0 / 0");
  await expect(page.getByTestId("review-stat-corrected").locator(".ant-statistic-content-value")).toHaveText("1");
  await expect(page.getByTestId("review-stat-accepted").locator(".ant-statistic-content-value")).toHaveText("14");
  await page.getByTestId("gold-dataset").click();
  await expect(page.getByText(`已生成金标数据集「${RUN} · gold」`).first()).toBeVisible();
  await checkChinese(`/labeling-runs/${ids.run}/review done`);
  await shot(page, "55-distill-reviewed");
});

test("a TF-IDF student is distilled from the run and judged on the gold set", async () => {
  await page.getByRole("menuitem", { name: "蒸馏" }).click();
  await checkChinese("/distillations empty");
  await page.getByTestId("create-distillation").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByTestId("distill-name").fill("评论情感学生");
  await choose("distill-run", RUN);
  await choose("distill-gold", `${RUN} · gold`);
  await choose("distill-gold-text", "评论");
  await choose("distill-gold-label", "label");
  await checkChinese("/distillations new");
  await shot(page, "56-distill-form");
  await dialog.getByRole("button", { name: /^确\s*定$/ }).click();
  await page.waitForURL(/\/distillations\/[0-9a-f-]{36}$/);
  ids.distillation = page.url().split("/").pop() ?? "";
  await expect(page.getByText("已完成", { exact: true })).toBeVisible({ timeout: 120_000 });
});

test("the report: teacher and student quality on the gold set, and what the student saves", async () => {
  await expect(page.getByTestId("quality-chart").locator("canvas").first()).toBeVisible();
  await expect(page.getByTestId("cost-chart").locator("canvas").first()).toBeVisible();
  // The gold set is the 15 reviewed rows: the teacher's labels of them are judged, the student never saw them.
  await expect(page.getByText("学生: 15 行 · 教师: 15 行")).toBeVisible();
  await expect(page.getByText("15 行，其中 0 行也在训练数据中")).toBeVisible();
  await expect(page.getByText("44 行（已去除 15 行与金标准文本相同的标注数据）")).toBeVisible();
  const labeling = page.locator(".ant-descriptions-item").filter({ hasText: "教师标注成本" });
  await expect(labeling).toContainText(/[1-9]/);
  await expect(page.getByText(/^教师调用：\d+ 次/)).toBeVisible();
  await expect(page.getByRole("menuitem", { name: "蒸馏" })).toHaveClass(/ant-menu-item-selected/);
  await checkChinese(`/distillations/${ids.distillation}`);
  await shot(page, "57-distill-report");
  await page.getByRole("menuitem", { name: "蒸馏" }).click();
  await expect(page.getByRole("row").filter({ hasText: "评论情感学生" })).toContainText("已完成");
  await checkChinese("/distillations");
});

test("no English on any page of the flow outside data and proper names", () => {
  expect(leaks).toEqual([]);
});
