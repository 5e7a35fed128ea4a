/** LLM fine-tuning in the console, as a project member walks it, in Chinese: a chat file with a
 * bad row refused in the wizard naming the row → Chinese alpaca JSONL → wizard (detected format,
 * chat-template preview, base model with its memory estimate, LoRA settings) → live job (loss,
 * tokens/s) → model (evaluation, stop check, samples) → streaming playground → API key used from
 * outside the browser on /v1. The base model is the tiny random Llama the e2e backend builds. */
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alpacaJsonl, chatWithoutAnswerJsonl } from "./data";
import { file, nextTo, shot, upload, watchJob } from "./helpers";
import { ADMIN_PASSWORD, NEW_ADMIN_PASSWORD, TINY_BASE_MODEL } from "./settings.mjs";

test.describe.configure({ mode: "serial" });

const MEMBER = "trainer";
const MEMBER_PASSWORD = "Quiet-Meadow-Lamp-73";
let context: BrowserContext;
let page: Page;
let work: string;
let origin: string;
const pageErrors: string[] = [];
const ids: Record<string, string> = {};

/** JSON from the backend, outside the browser; throws with the answer on a non-2xx status. */
async function call<T>(path: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set("Authorization", `Bearer ${init.token}`);
  const response = await fetch(`${origin}${path}`, { ...init, headers });
  const text = await response.text();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** The admin's access token; the console test may already have changed the admin's password. */
async function adminToken(): Promise<string> {
  for (const password of [ADMIN_PASSWORD, NEW_ADMIN_PASSWORD]) {
    const response = await fetch(`${origin}/api/v1/auth/login`, {
      method: "POST",
      body: new URLSearchParams({ username: "admin", password }),
    });
    if (response.ok) return ((await response.json()) as { access_token: string }).access_token;
  }
  throw new Error("the admin cannot sign in");
}

test.beforeAll(async ({ browser }, info) => {
  origin = String(info.project.use.baseURL);
  work = mkdtempSync(join(tmpdir(), "tp-e2e-llm-"));
  await call("/api/v1/users", {
    method: "POST",
    token: await adminToken(),
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: MEMBER, password: MEMBER_PASSWORD, display_name: "微调工程师" }),
  });
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

/** From a dataset's page to the wizard's data step of a fine-tuning with the tiny base model. */
async function toChatDataStep(): Promise<void> {
  await page.getByRole("button", { name: "开始训练" }).click();
  await nextTo(page, 1);
  await page.getByText("大模型微调（SFT）").click();
  await nextTo(page, 2);
  await page.getByTestId("base-model-picker").click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: TINY_BASE_MODEL }).click();
}

test("a member signs in and finds the base model the administrator installed", async () => {
  await page.goto("/login");
  await page.getByLabel("用户名").fill(MEMBER);
  await page.getByLabel("密码").fill(MEMBER_PASSWORD);
  await page.getByTestId("login-submit").click();
  await expect(page.getByText("从上传一个数据集开始")).toBeVisible();
  await page.getByRole("menuitem", { name: "基础模型" }).click();
  await expect(page.getByRole("cell", { name: TINY_BASE_MODEL }).first()).toBeVisible();
});

test("a chat file whose third conversation has no answer is refused in the wizard, naming the row", async () => {
  await page.getByRole("menuitem", { name: "数据集" }).click();
  const uploaded = await upload(page, file(work, "缺回答.jsonl", chatWithoutAnswerJsonl()));
  expect(uploaded.status).toBe("ready");
  await toChatDataStep();
  const preview = page.getByTestId("chat-preview");
  await expect(preview.getByTestId("chat-format")).toHaveText("识别出的格式：OpenAI messages");
  await expect(preview).toContainText("可用 4 / 5 行");
  await expect(preview.getByTestId("chat-problems")).toContainText("第 3 行：对话中没有助手的回答");
  await shot(page, "40-llm-bad-row-preview");
  await nextTo(page, 3);
  await nextTo(page, 4);
  await page.getByTestId("job-submit").click();
  await expect(page).toHaveURL(/step=2/);
  await expect(page.getByTestId("mapping-error")).toContainText("第 3 行：对话中没有助手的回答");
  await shot(page, "41-llm-bad-row-refused");
});

test("the fine-tuning wizard: detected format, chat-template preview, memory estimate, LoRA settings", async () => {
  await page.getByRole("menuitem", { name: "数据集" }).click();
  const uploaded = await upload(page, file(work, "客服问答.jsonl", alpacaJsonl()));
  expect(uploaded.status).toBe("ready");
  await expect(page.getByTestId("preview-table").getByText("你是网店客服，请礼貌地回答顾客的问题。").first()).toBeVisible();
  await toChatDataStep();
  const preview = page.getByTestId("chat-preview");
  await expect(preview.getByTestId("chat-format")).toHaveText("识别出的格式：Alpaca");
  await expect(preview).toContainText("可用 40 / 40 行");
  await expect(preview).toContainText(`以下是前几行经「${TINY_BASE_MODEL}」对话模板渲染后的文本`);
  await expect(preview.locator("pre").first()).toContainText("<|im_start|>assistant\n您好，下单后两天内发货");
  await shot(page, "42-llm-wizard-preview");
  await nextTo(page, 3);
  const memory = page.getByTestId("memory-estimate");
  await expect(memory).toContainText("预计需要");
  await expect(memory.getByTestId("memory-verdict")).toContainText("内存充足");
  const loraBefore = await memory.getByText(/LoRA\+优化器/).innerText();
  await page.getByLabel("最大序列长度", { exact: true }).fill("128");
  await page.getByLabel("最大步数", { exact: true }).fill("4");
  await page.getByText(/高级参数/).first().click();
  for (const [label, value] of [
    ["批大小", "4"], ["梯度累积步数", "1"], ["学习率", "0.005"], ["LoRA 秩", "4"], ["LoRA 缩放系数", "8"],
    ["评估间隔步数", "2"], ["日志间隔步数", "1"], ["评估样本数", "2"], ["评估生成词元数", "8"],
  ]) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
  // The estimate follows the settings: a lower LoRA rank needs less for the adapter and optimizer.
  await expect(memory.getByText(/LoRA\+优化器/)).not.toHaveText(loraBefore);
  await shot(page, "43-llm-wizard-lora");
  await nextTo(page, 4);
  await expect(page.getByText(`"base_model":"${TINY_BASE_MODEL}"`)).toBeVisible();
  await expect(page.getByText(/"lora_r":4/)).toBeVisible();
  await page.getByTestId("job-submit").click();
  await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
});

test("the fine-tuning job shows its loss and tokens per second live, and finishes", async () => {
  // The page is not reloaded: statuses and figures come in over the job's live stream.
  const seen = await watchJob(page);
  const summary = await page.getByTestId("job-status").locator("..").locator("..").innerText();
  expect(seen.at(-1), summary).toBe("succeeded");
  expect(seen).toContain("running");
  const figures = page.getByTestId("llm-job-figures");
  await expect(figures.getByTestId("tokens-per-second").locator(".ant-statistic-content-value")).toHaveText(/^[1-9][\d,]*$/);
  await expect(figures.getByTestId("loss-curve").locator("canvas").first()).toBeVisible();
  await expect(page.getByTestId("job-stage")).toHaveText("成功");
  await shot(page, "44-llm-job");
});

test("the model page: evaluation, stop check and held-out samples, tuned beside base", async () => {
  await page.getByTestId("job-model-link").click();
  ids.model = page.url().split("/").pop() ?? "";
  const evaluation = page.getByTestId("llm-eval");
  await expect(evaluation).toContainText("验证损失");
  await expect(evaluation).toContainText("自行结束的回答占比");
  const rate = Number(/自行结束的回答占比\s*([\d.]+) %/.exec(await evaluation.innerText())?.[1]);
  expect(rate).toBeGreaterThanOrEqual(0);
  // A tiny random model rarely stops by itself: the warning shows exactly when under 95 %.
  await expect(page.getByTestId("stop-warning")).toHaveCount(rate < 95 ? 1 : 0);
  const samples = page.getByTestId("llm-samples");
  await expect(samples.getByRole("columnheader", { name: "微调后" })).toBeVisible();
  await expect(samples.getByRole("columnheader", { name: "基础模型" })).toBeVisible();
  await expect(samples.locator(".ant-table-row").first()).toContainText("你是网店客服");
  // The base model's scores and the fine-tuning settings are named in Chinese too.
  await expect(page.getByText("基础模型 · 准确率").first()).toBeVisible();
  await shot(page, "45-llm-model");
  await page.getByRole("tab", { name: "模型卡片" }).click();
  await expect(page.getByTestId("model-card")).toContainText("最大序列长度: 128");
  await expect(page.getByTestId("model-card")).toContainText("LoRA 秩: 4");
});

test("the chat playground streams its answer and reports the tokens used", async () => {
  await page.getByRole("tab", { name: "对话试用" }).click();
  const transcript = page.getByTestId("chat-transcript");
  // Record every length the answer's text takes in the page while it streams in.
  await transcript.evaluate((node) => {
    const lengths: number[] = [];
    (window as unknown as { answerLengths: number[] }).answerLengths = lengths;
    new MutationObserver(() => {
      const answer = node.querySelectorAll("[data-testid=chat-turn-assistant]");
      const last = answer[answer.length - 1]?.textContent ?? "";
      if (lengths.at(-1) !== last.length) lengths.push(last.length);
    }).observe(node, { childList: true, subtree: true, characterData: true });
  });
  await page.getByTestId("chat-input").fill("你好，我买的保温杯什么时候发货？");
  await page.getByTestId("chat-input").press("Enter");
  await expect(page.getByTestId("chat-usage")).toContainText(/提示 \d+ · 生成 \d+ 词元/);
  const answer = page.getByTestId("chat-turn-assistant").last();
  expect((await answer.innerText()).trim()).not.toBe("");
  const lengths = await page.evaluate(() => (window as unknown as { answerLengths: number[] }).answerLengths);
  expect(lengths.filter((n) => n > 0).length, `the answer grew as ${lengths.join(" → ")}`).toBeGreaterThan(1);
  await shot(page, "46-llm-playground");
});

test("an API key is shown once with curl and Python snippets, and answers /v1 outside the browser", async () => {
  await page.getByRole("menuitem", { name: "API 密钥" }).click();
  await page.getByTestId("api-key-name").fill("客服机器人");
  await page.getByTestId("api-key-create").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByText("请立即复制并妥善保存")).toBeVisible();
  const key = (await dialog.getByTestId("api-key-secret").innerText()).trim();
  expect(key).toMatch(/^tp-/);
  const curl = dialog.getByTestId("snippet-curl");
  await expect(curl).toContainText(`${origin}/v1/chat/completions`);
  await expect(curl).toContainText(`Authorization: Bearer ${key}`);
  await expect(curl).toContainText(ids.model);
  await expect(curl.getByRole("button", { name: "复制" })).toBeVisible();
  await dialog.getByRole("tab", { name: "Python (openai)" }).click();
  const python = dialog.getByTestId("snippet-python");
  await expect(python).toContainText(`api_key="${key}"`);
  await expect(python.getByRole("button", { name: "复制" })).toBeVisible();
  await shot(page, "47-llm-api-key");
  await dialog.getByRole("button", { name: /完\s*成/ }).click();
  await expect(page.getByText(key)).toHaveCount(0);

  const answer = await call<{ choices: { message: { content: string } }[]; usage: Record<string, number> }>("/v1/chat/completions", {
    method: "POST",
    token: key,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ model: ids.model, messages: [{ role: "user", content: "台灯保修多久？" }], max_tokens: 8, stream: false }),
  });
  expect(answer.usage.prompt_tokens).toBeGreaterThan(0);
  expect(answer.usage.completion_tokens).toBeGreaterThan(0);
  expect(answer.usage.total_tokens).toBe(answer.usage.prompt_tokens + answer.usage.completion_tokens);
  await page.reload();
  const row = page.getByRole("row").filter({ hasText: "客服机器人" });
  await expect(row.getByRole("cell", { name: "1", exact: true })).toBeVisible();
});
