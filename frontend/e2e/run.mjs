// End-to-end test in a real browser (Debian's chromium driven by playwright-core) against a real
// backend in embedded mode (temporary SQLite, local job runner, the built console served at /).
// Flow: log in → upload a CSV → a large CSV converted in the background (and a large bad one that
// fails) → tabular job → live status and curve → model → predict → compare → members / admin pages
// → switch to English. Screenshots of every page: artifacts/screenshots/.
// Usage: npm run build && npm run e2e   (env: CHROMIUM, PYTHON, E2E_PORT, SCREENSHOTS)
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const backend = join(repo, "backend");
const dist = resolve(here, "../dist");
const python = process.env.PYTHON ?? join(repo, ".venv/bin/python");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const port = Number(process.env.E2E_PORT ?? 19080);
const base = `http://127.0.0.1:${port}`;
const shots = resolve(repo, process.env.SCREENSHOTS ?? "artifacts/screenshots");
const ADMIN_PASSWORD = "Console-E2e-Passw0rd!";
const STEP_TIMEOUT_MS = 120_000;
// Uploads above this are converted in the background: the small CSVs stay inline, the large ones don't.
const INLINE_MAX_BYTES = 16 * 1024;

let passed = 0;
let failed = 0;

function makeCsv() {
  // Three well-separated classes, a categorical column and a few blanks: 240 rows.
  const lines = ["sepal,petal,colour,species"];
  const names = ["setosa", "versicolor", "virginica"];
  for (let i = 0; i < 240; i++) {
    const k = i % 3;
    const jitter = ((i * 37) % 17) / 17;
    const sepal = (4.5 + k * 1.2 + jitter).toFixed(2);
    const petal = i % 41 === 5 ? "" : (1 + k * 2 + jitter).toFixed(2);
    lines.push(`${sepal},${petal},${["红", "绿", "蓝"][(i + k) % 3]},${names[k]}`);
  }
  return lines.join("\n") + "\n";
}

function makeTextCsv() {
  // Short Chinese reviews, two classes.
  const good = ["质量很好", "非常满意", "物流很快", "推荐购买", "好用实惠"];
  const bad = ["质量太差", "非常失望", "物流很慢", "不推荐", "坏了退货"];
  const lines = ["内容,类别"];
  for (let i = 0; i < 80; i++) {
    const positive = i % 2 === 0;
    const words = positive ? good : bad;
    lines.push(`第${i + 1}单${words[i % 5]}，${words[(i + 2) % 5]},${positive ? "好评" : "差评"}`);
  }
  return lines.join("\n") + "\n";
}

function makeLargeCsv({ ragged = false } = {}) {
  // 4000 sales rows (about 120 KB, well above INLINE_MAX_BYTES); `ragged` adds a field to one row.
  const lines = ["地区,数量,单价,渠道"];
  const regions = ["华东", "华北", "华南", "西南"];
  for (let i = 0; i < 4000; i++) {
    lines.push(`${regions[i % 4]},${(i * 7) % 50 + 1},${(10 + ((i * 13) % 90) / 10).toFixed(2)},${i % 3 ? "线上" : "门店"}`);
  }
  if (ragged) lines[3001] += ",多余";
  const text = lines.join("\n") + "\n";
  if (Buffer.byteLength(text) <= INLINE_MAX_BYTES) throw new Error("the large CSV is not larger than INLINE_MAX_BYTES");
  return text;
}

/** Drop a file on the datasets page's upload box; resolves with the upload's JSON answer. */
async function upload(page, file) {
  const answer = page.waitForResponse((r) => r.url().includes("/api/v1/data/upload") && r.request().method() === "POST");
  await page.locator('input[type="file"]').setInputFiles(file);
  const response = await answer;
  if (!response.ok()) throw new Error(`upload answered ${response.status()}: ${await response.text()}`);
  const dataset = await response.json();
  await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/);
  return dataset;
}

/** Watch the detail page's status tag, without reloading, until the conversion settles. */
async function watchStatus(page, firstShot) {
  const seen = [];
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const status = await page.getByTestId("dataset-status").locator("[data-status]").getAttribute("data-status", { timeout: 5000 }).catch(() => null);
    if (status && seen.at(-1) !== status) {
      seen.push(status);
      if (status === "processing") await shot(page, firstShot);
    }
    if (status === "ready" || status === "failed") return seen;
    await page.waitForTimeout(100);
  }
  throw new Error(`the dataset did not settle; statuses seen: ${seen.join(" → ")}`);
}

/** The labels the new-job form offers in its dataset select, once `expected` is among them. */
async function datasetChoices(page, expected) {
  await page.getByLabel("选择数据集", { exact: true }).click();
  const options = page.locator(".ant-select-dropdown:visible .ant-select-item-option");
  // an option can be in the list a moment before its label is rendered: wait for the label
  await options.filter({ hasText: expected }).first().waitFor();
  const labels = await options.allTextContents();
  await page.keyboard.press("Escape");
  return labels;
}

function startBackend(env, logFile) {
  const out = [];
  const child = spawn(python, ["-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: backend,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk) => {
    out.push(chunk.toString());
    writeFileSync(logFile, out.join(""));
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  return child;
}

async function waitReady(child) {
  for (let i = 0; i < 120; i++) {
    if (child.exitCode !== null) throw new Error(`backend exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${base}/ready`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("backend not ready after 60 s");
}

async function step(page, name, fn) {
  const started = Date.now();
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out after ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS)),
    ]);
    passed += 1;
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}: ${error.message}`);
    await page.screenshot({ path: join(shots, `FAILED-${name.replace(/\W+/g, "_")}.png`) }).catch(() => undefined);
    throw error;
  }
}

const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

async function pick(page, label, option) {
  await page.getByLabel(label, { exact: true }).click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: option }).first().click();
  const open = page.locator(".ant-select-dropdown:visible");
  for (let i = 0; i < 50 && (await open.count()) > 0; i++) await page.waitForTimeout(100);
}

async function api(token, method, path, body) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function flow(page, work) {
  const csv = join(work, "鸢尾花.csv");
  writeFileSync(csv, makeCsv());

  await step(page, "login page rejects a wrong password", async () => {
    await page.goto(`${base}/`);
    await page.waitForURL("**/login");
    await page.getByLabel("用户名").fill("admin");
    await page.getByLabel("密码").fill("wrong-password");
    await page.getByTestId("login-submit").click();
    await page.getByRole("alert").getByText("登录失败").waitFor();
    await shot(page, "01-login-error");
  });

  await step(page, "log in and see the dashboard", async () => {
    await page.getByLabel("密码").fill(ADMIN_PASSWORD);
    await page.getByTestId("login-submit").click();
    await page.getByText("从上传一个数据集开始").waitFor();
    await shot(page, "02-dashboard-empty");
  });

  let datasetId = "";
  await step(page, "upload a CSV with progress and open its detail", async () => {
    await page.getByRole("menuitem", { name: "数据集" }).click();
    const uploaded = await upload(page, csv);
    if (uploaded.status !== "ready") throw new Error(`a small upload should be converted inline, got ${uploaded.status}`);
    datasetId = page.url().split("/").pop();
    await page.getByTestId("dataset-status").getByText("就绪").waitFor();
    await page.getByTestId("preview-table").getByText("setosa").first().waitFor();
    await shot(page, "03-dataset-preview");
  });

  await step(page, "dataset profile and validation report", async () => {
    await page.getByRole("tab", { name: "列概况" }).click();
    await page.getByTestId("column-profile").first().waitFor();
    await page.waitForTimeout(300);
    await shot(page, "04-dataset-profile");
    await page.getByRole("tab", { name: "校验报告" }).click();
    await pick(page, "目标列", "species");
    await page.getByRole("button", { name: "运行校验" }).click();
    await page.getByTestId("validation-report").getByText("通过").waitFor();
    await shot(page, "05-dataset-validation");
  });

  await step(page, "a large CSV is converted in the background and its page refreshes itself", async () => {
    const big = join(work, "销售大表.csv");
    writeFileSync(big, makeLargeCsv());
    await page.getByRole("menuitem", { name: "数据集" }).click();
    const uploaded = await upload(page, big);
    if (uploaded.status !== "processing") throw new Error(`expected a background conversion, the upload answered ${uploaded.status}`);
    await page.getByText("已上传 销售大表.csv，文件较大，正在后台转换").waitFor();
    const seen = await watchStatus(page, "05b-dataset-processing");
    if (seen.at(-1) !== "ready") throw new Error(`conversion ended ${seen.at(-1)}`);
    await page.getByTestId("dataset-status").getByText("就绪").waitFor();
    await page.getByTestId("preview-table").getByText("华东").first().waitFor();
    await page.getByText("4000", { exact: true }).waitFor();
    await shot(page, "05c-dataset-converted");
    console.log(`     statuses seen without reloading: ${seen.join(" → ")}`);
    await page.getByRole("menuitem", { name: "数据集" }).click();
    await page.getByRole("row", { name: /销售大表\.csv/ }).locator("[data-status=ready]").waitFor();
  });

  await step(page, "a large bad CSV fails in the background: its error, not offered for training, deleted", async () => {
    const bad = join(work, "坏表.csv");
    writeFileSync(bad, makeLargeCsv({ ragged: true }));
    const uploaded = await upload(page, bad);
    if (uploaded.status !== "processing") throw new Error(`expected a background conversion, the upload answered ${uploaded.status}`);
    const badId = page.url().split("/").pop();
    const seen = await watchStatus(page, "05d-bad-dataset-processing");
    if (seen.at(-1) !== "failed") throw new Error(`conversion ended ${seen.at(-1)}`);
    const alert = page.getByTestId("dataset-failed");
    await alert.getByText("转换失败").waitFor();
    await alert.getByText(/line 3002 has 5 fields/).waitFor();
    await shot(page, "05e-dataset-failed");
    await page.goto(`${base}/jobs/new?dataset=${badId}`);
    await page.getByText("数据集「坏表.csv」转换失败，不能用于训练").waitFor();
    const choices = await datasetChoices(page, "销售大表");
    if (choices.some((c) => c.includes("坏表"))) {
      throw new Error(`the new-job form offers: ${choices.join(", ")}`);
    }
    await page.goto(`${base}/datasets/${badId}`);
    await page.getByTestId("dataset-failed").getByRole("button", { name: /删\s*除/ }).click();
    await page.locator(".ant-popconfirm:visible").getByRole("button", { name: /确\s*定/ }).click();
    await page.waitForURL(/\/datasets$/);
    await page.getByRole("link", { name: "销售大表.csv" }).waitFor();
    if (await page.getByRole("link", { name: "坏表.csv" }).count()) throw new Error("the failed dataset is still listed");
  });

  await step(page, "new training job through the steps", async () => {
    await page.goto(`${base}/jobs/new?dataset=${datasetId}`);
    await page.getByRole("button", { name: "下一步" }).click();
    await page.getByText("表格分类").click();
    await page.getByRole("button", { name: "下一步" }).click();
    await pick(page, "目标列", "species");
    await shot(page, "06-new-job-mapping");
    await page.getByRole("button", { name: "下一步" }).click();
    await page.getByText("高级参数").first().waitFor();
    await shot(page, "07-new-job-params");
    await page.getByRole("button", { name: "下一步" }).click();
    await shot(page, "08-new-job-review");
    await page.getByTestId("job-submit").click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
  });

  await step(page, "job status and curve update live until the model exists", async () => {
    const seen = new Set();
    const deadline = Date.now() + 100_000;
    while (Date.now() < deadline) {
      const status = await page.locator("[data-status]").first().getAttribute("data-status").catch(() => null);
      if (status) seen.add(status);
      if (status === "succeeded" || status === "failed") break;
      await page.waitForTimeout(200);
    }
    if (!seen.has("succeeded")) throw new Error(`job did not succeed; statuses seen: ${[...seen]}`);
    await page.getByTestId("curves-chart").locator("canvas").first().waitFor();
    await page.getByTestId("job-model-link").waitFor();
    await page.waitForTimeout(500);
    await shot(page, "09-job-detail");
    console.log(`     statuses seen without reloading: ${[...seen].join(" → ")}`);
  });

  await step(page, "model detail with confusion matrix and try-it prediction", async () => {
    await page.getByTestId("job-model-link").click();
    await page.getByTestId("confusion-heatmap").locator("canvas").first().waitFor();
    await page.waitForTimeout(300);
    await shot(page, "10-model-detail");
    await page.getByRole("tab", { name: "在线试用" }).click();
    await page.getByLabel("sepal").fill("4.6");
    await page.getByLabel("petal").fill("1.2");
    await page.getByLabel("colour").fill("红");
    await page.getByTestId("predict-submit").click();
    await page.getByTestId("prediction-result").getByText("setosa").first().waitFor();
    await shot(page, "11-model-predict");
    await page.getByRole("tab", { name: "模型卡片" }).click();
    await shot(page, "12-model-card");
  });

  await step(page, "compare two models", async () => {
    const token = await page.evaluate(() => JSON.parse(localStorage.getItem("tp.tokens")).access);
    const model = await api(token, "GET", `/models/${page.url().split("/").pop()}`);
    const job = await api(token, "POST", "/jobs", {
      project_id: model.project_id, name: "linear baseline", task_type: "tabular_classification",
      trainer: "linear", dataset_id: datasetId, columns: { target: "species", features: null }, params: {},
    });
    for (let i = 0; i < 200; i++) {
      const state = await api(token, "GET", `/jobs/${job.id}`);
      if (state.status === "succeeded") break;
      if (["failed", "cancelled"].includes(state.status)) throw new Error(`second job ${state.status}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await page.getByRole("menuitem", { name: "模型" }).click();
    await page.locator(".ant-table-row").nth(1).waitFor();
    await shot(page, "13-models");
    const boxes = page.locator(".ant-table-row .ant-checkbox-input");
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.getByTestId("compare-button").click();
    await page.getByTestId("compare-table").getByText("accuracy").waitFor();
    await page.waitForTimeout(300);
    await shot(page, "14-compare");
  });

  await step(page, "dataset search, jobs list, users (field error), members, audit pages", async () => {
    await page.getByRole("menuitem", { name: "数据集" }).click();
    const search = page.getByPlaceholder("按名称搜索");
    await search.fill("没有这个");
    await search.press("Enter");
    await page.getByText("还没有数据集").waitFor();
    await search.fill("鸢尾");
    await search.press("Enter");
    await page.getByRole("link", { name: "鸢尾花.csv" }).waitFor();
    await shot(page, "14b-datasets-search");
    await page.getByRole("menuitem", { name: "训练任务" }).click();
    await page.getByTestId("jobs-table").locator("[data-status=succeeded]").first().waitFor();
    await shot(page, "15-jobs");
    await page.getByRole("menuitem", { name: "用户管理" }).click();
    await page.getByTestId("create-user").click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("用户名").fill("bob");
    const ok = dialog.getByRole("button", { name: /确\s*定/ });
    await dialog.getByLabel("初始密码").fill("Bob-Passw0rd-9");
    await ok.click();
    await dialog.getByText("Password must not contain the username.").waitFor();
    await shot(page, "17-users-field-error");
    await dialog.getByLabel("初始密码").fill("Quiet-Harbor-42");
    await ok.click();
    await page.getByRole("cell", { name: "bob", exact: true }).first().waitFor();
    await shot(page, "18-users");
    await page.getByRole("menuitem", { name: "项目成员" }).click();
    await page.getByLabel("用户名").fill("bob");
    await pick(page, "角色", "编辑者");
    await page.getByRole("button", { name: "添加成员" }).click();
    await page.getByRole("cell", { name: "bob", exact: true }).first().waitFor();
    await shot(page, "16-members");
    await page.getByRole("menuitem", { name: "审计日志" }).click();
    await page.getByRole("cell", { name: "user.create" }).or(page.getByRole("cell", { name: /create/ })).first().waitFor();
    await shot(page, "19-audit");
    await page.getByRole("menuitem", { name: "概览" }).click();
    await page.getByText("最近的模型").waitFor();
    await shot(page, "20-dashboard");
  });

  await step(page, "text classification in Chinese: upload, wizard, live job, try it", async () => {
    const reviews = join(work, "评论.csv");
    writeFileSync(reviews, makeTextCsv());
    await page.getByRole("menuitem", { name: "数据集" }).click();
    await page.locator('input[type="file"]').setInputFiles(reviews);
    await page.waitForURL(/\/datasets\/[0-9a-f-]{36}$/);
    await page.getByRole("button", { name: "开始训练" }).click();
    await page.getByRole("button", { name: "下一步" }).click();
    await page.getByText("文本分类").click();
    await page.getByRole("button", { name: "下一步" }).click();
    await pick(page, "文本列", "内容");
    await pick(page, "目标列", "类别");
    await page.getByRole("button", { name: "下一步" }).click();
    await page.getByRole("button", { name: "下一步" }).click();
    await page.getByTestId("job-submit").click();
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    const final = page.locator("[data-status=succeeded], [data-status=failed]").first();
    await final.waitFor({ timeout: 100_000 });
    if ((await final.getAttribute("data-status")) !== "succeeded") throw new Error("the text job failed");
    await page.getByTestId("job-model-link").click();
    await page.getByRole("tab", { name: "在线试用" }).click();
    await page.getByLabel("内容").fill("质量很好，推荐购买");
    await page.getByTestId("predict-submit").click();
    await page.getByTestId("prediction-result").getByText("好评").first().waitFor();
    await shot(page, "23-text-model-predict");
  });

  await step(page, "switch the language to English", async () => {
    await page.getByRole("menuitem", { name: "概览" }).click();
    await page.getByText("最近的模型").waitFor();
    await page.getByTestId("lang-switch").click();
    await page.getByText("Recent models").waitFor();
    await page.getByRole("menuitem", { name: "Datasets" }).waitFor();
    await shot(page, "21-dashboard-en");
    await page.reload();
    await page.getByText("Recent models").waitFor();
  });
}

async function main() {
  if (!existsSync(join(dist, "index.html"))) throw new Error("frontend/dist is missing: run `npm run build` first");
  if (!existsSync(executablePath)) throw new Error(`${executablePath} missing: apt-get install -y chromium fonts-wqy-microhei`);
  mkdirSync(shots, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), "tp-e2e-"));
  const env = {
    ...process.env,
    ENVIRONMENT: "development",
    DATABASE_URL: `sqlite:///${join(work, "e2e.db")}`,
    DATA_STORAGE_PATH: join(work, "datasets"),
    MODEL_STORAGE_PATH: join(work, "models"),
    LOG_DIR: join(work, "logs"),
    LOG_LEVEL: "WARNING",
    DATASET_INLINE_MAX_BYTES: String(INLINE_MAX_BYTES),
    SERVE_FRONTEND: "true",
    FRONTEND_DIST: dist,
    JOB_BACKEND: "local",
    REDIS_URL: "",
    ADMIN_USERNAME: "admin",
    ADMIN_PASSWORD,
  };
  execFileSync(python, ["-m", "app.db.init_db"], { cwd: backend, env, stdio: "inherit" });
  execFileSync(python, ["-m", "app.scripts.create_admin"], { cwd: backend, env, stdio: "inherit" });
  const logFile = join(work, "backend.log");
  const server = startBackend(env, logFile);
  let browser;
  const pageErrors = [];
  try {
    await waitReady(server);
    browser = await chromium.launch({
      executablePath,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, locale: "zh-CN" });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on("pageerror", (error) => pageErrors.push(error.message));
    await flow(page, work);
    if (pageErrors.length) {
      failed += 1;
      console.log(`FAIL uncaught errors in the page: ${pageErrors.join(" | ")}`);
    }
  } catch (error) {
    console.log(`e2e stopped: ${error.message}`);
    if (existsSync(logFile)) console.log(readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n"));
    if (failed === 0) failed = 1;
  } finally {
    await browser?.close().catch(() => undefined);
    server.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    if (server.exitCode === null) server.kill("SIGKILL");
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`screenshots: ${shots}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

await main();
