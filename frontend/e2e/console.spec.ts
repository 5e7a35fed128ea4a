/** The console in a real browser against a real backend, as a new user walks it, in Chinese:
 * upload → background conversion (and a failing one) → wizard (Back, range refusal, one-class
 * refusal in place) → live job → model → compare → pure-Chinese text job with defaults → cancel
 * of a long job → project creation → administration → no English outside data → password change
 * → English. Screenshots: artifacts/screenshots; report and trace: artifacts/e2e. */
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { irisCsv, reviewsCsv, salesCsv } from "./data";
import { api, file, pick, shot, traceFile, upload, watchJob, nextTo } from "./helpers";
import { ADMIN_PASSWORD, INLINE_MAX_BYTES, NEW_ADMIN_PASSWORD } from "./settings.mjs";
import { foreignTexts, visibleTexts } from "./zhText";

test.describe.configure({ mode: "serial" });

let context: BrowserContext;
let page: Page;
let work: string;
const pageErrors: string[] = [];
const ids: Record<string, string> = {};
// Latin words that are data here: column names, class names, file extensions, user and project names.
const DATA_WORDS = ["sepal", "petal", "colour", "species", "setosa", "versicolor", "virginica", "csv", "admin", "Administrator", "bob",
  "http", "local-model"];

test.beforeAll(async ({ browser }) => {
  work = mkdtempSync(join(tmpdir(), "tp-e2e-files-"));
  context = await browser.newContext();
  await context.tracing.start({ screenshots: true, snapshots: true });
  page = await context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
});

test.afterAll(async () => {
  await context.tracing.stop({ path: traceFile });
  await context.close();
  rmSync(work, { recursive: true, force: true });
});

test.afterEach(async () => {
  expect(pageErrors, "uncaught errors in the page").toEqual([]);
});

test("the login page refuses a wrong password in Chinese", async () => {
  await page.goto("/");
  await page.waitForURL("**/login");
  await page.getByLabel("用户名").fill("admin");
  await page.getByLabel("密码").fill("wrong-password");
  await page.getByTestId("login-submit").click();
  await expect(page.getByRole("alert")).toContainText("登录失败：用户名或密码错误");
  await shot(page, "01-login-error");
});

test("sign in and see the empty dashboard", async () => {
  await page.getByLabel("密码").fill(ADMIN_PASSWORD);
  await page.getByTestId("login-submit").click();
  await expect(page.getByText("从上传一个数据集开始")).toBeVisible();
  await shot(page, "02-dashboard-empty");
});

test("upload a CSV, preview it, profile with histograms, validation report", async () => {
  await page.getByRole("menuitem", { name: "数据集" }).click();
  const uploaded = await upload(page, file(work, "鸢尾花.csv", irisCsv()));
  expect(uploaded.status).toBe("ready");
  ids.iris = uploaded.id;
  await expect(page.getByTestId("dataset-status").getByText("就绪")).toBeVisible();
  await expect(page.getByTestId("preview-table").getByText("setosa").first()).toBeVisible();
  await shot(page, "03-dataset-preview");
  await page.getByRole("tab", { name: "列概况" }).click();
  const sepal = page.getByTestId("column-profile").filter({ hasText: "sepal" });
  await expect(sepal).toContainText("数值");
  await expect(sepal).toContainText("均值");
  await expect(sepal.locator("canvas")).toBeVisible();
  await shot(page, "04-dataset-profile");
  await page.getByRole("tab", { name: "校验报告" }).click();
  await pick(page, "目标列", "species");
  await page.getByRole("button", { name: "运行校验" }).click();
  await expect(page.getByTestId("validation-report").getByText("通过")).toBeVisible();
  await expect(page.getByTestId("validation-report")).toContainText("可用行数");
  await shot(page, "05-dataset-validation");
});

test("a large CSV is converted in the background and its page refreshes itself", async () => {
  const big = salesCsv();
  expect(Buffer.byteLength(big)).toBeGreaterThan(INLINE_MAX_BYTES);
  await page.getByRole("menuitem", { name: "数据集" }).click();
  const uploaded = await upload(page, file(work, "销售大表.csv", big));
  expect(uploaded.status).toBe("processing");
  ids.sales = uploaded.id;
  await expect(page.getByText("已上传 销售大表.csv，文件较大，正在后台转换")).toBeVisible();
  await expect(page.getByTestId("dataset-status").getByText("就绪")).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId("preview-table").getByText("华东").first()).toBeVisible();
  await expect(page.getByText("4000", { exact: true })).toBeVisible();
  await shot(page, "05c-dataset-converted");
});

test("a large bad CSV fails in the background with its reason in Chinese, and is deleted", async () => {
  await page.getByRole("menuitem", { name: "数据集" }).click();
  const uploaded = await upload(page, file(work, "坏表.csv", salesCsv({ ragged: true })));
  expect(uploaded.status).toBe("processing");
  const failed = page.getByTestId("dataset-failed");
  await expect(failed.getByText("转换失败")).toBeVisible({ timeout: 90_000 });
  await expect(failed).toContainText("第 3002 行的字段数与表头不一致");
  await shot(page, "05e-dataset-failed");
  await page.goto(`/jobs/new?dataset=${uploaded.id}`);
  await expect(page.getByText(/数据集「坏表\.csv」转换失败，不能用于训练/)).toBeVisible();
  await page.goto(`/datasets/${uploaded.id}`);
  await failed.getByRole("button", { name: /删\s*除/ }).click();
  await page.locator(".ant-popconfirm:visible").getByRole("button", { name: /确\s*定/ }).click();
  await page.waitForURL(/\/datasets$/);
  await expect(page.getByRole("link", { name: "销售大表.csv" })).toBeVisible();
  await expect(page.getByRole("link", { name: "坏表.csv" })).toHaveCount(0);
});

test("the wizard: browser Back moves between steps, a parameter out of range is refused", async () => {
  await page.goto(`/jobs/new?dataset=${ids.iris}`);
  await page.getByRole("button", { name: "下一步" }).click();
  await page.getByText("表格分类").click();
  await page.getByRole("button", { name: "下一步" }).click();
  await expect(page).toHaveURL(/step=2/);
  await pick(page, "目标列", "species");
  await shot(page, "06-new-job-mapping");
  await page.getByRole("button", { name: "下一步" }).click();
  await expect(page.getByText("高级参数").first()).toBeVisible();
  await page.goBack();
  await expect(page).toHaveURL(/step=2/);
  await expect(page.getByLabel("目标列", { exact: true })).toBeVisible();
  await page.goForward();
  await expect(page).toHaveURL(/step=3/);
  const rounds = page.getByLabel("提升轮数", { exact: true });
  await rounds.fill("999999");
  await page.getByRole("button", { name: "下一步" }).click();
  await expect(page.getByText(/超出允许范围：取值范围 1 – 20000/)).toBeVisible();
  await expect(rounds).toHaveValue("999999");
  await shot(page, "07-new-job-params-refused");
  await rounds.fill("300");
  await page.getByRole("button", { name: "下一步" }).click();
  await expect(page).toHaveURL(/step=4/);
  await shot(page, "08-new-job-review");
  await page.getByTestId("job-submit").click();
  await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
  ids.tabularJob = page.url().split("/").pop() ?? "";
});

test("the job page: live status and curves, stage, hyper-parameters, log download, dataset by name", async () => {
  const seen = await watchJob(page);
  expect(seen.at(-1)).toBe("succeeded");
  await expect(page.getByTestId("curves-chart").locator("canvas").first()).toBeVisible();
  await expect(page.getByTestId("job-stage")).toHaveText("成功");
  await expect(page.getByTestId("job-dataset-link")).toHaveText("鸢尾花.csv");
  await page.getByRole("tab", { name: "超参数" }).click();
  await expect(page.getByTestId("job-params")).toContainText("提升轮数");
  await expect(page.getByTestId("job-params")).toContainText("300");
  await page.getByRole("tab", { name: "日志" }).click();
  const download = page.waitForEvent("download");
  await page.getByTestId("log-download").click();
  expect((await download).suggestedFilename()).toMatch(/^job-.*\.log$/);
  await shot(page, "09-job-detail");
});

test("the model: confusion matrix in counts and shares, try-it prediction", async () => {
  await page.getByTestId("job-model-link").click();
  await expect(page.getByTestId("confusion-heatmap").locator("canvas").first()).toBeVisible();
  await page.getByTestId("confusion-view").getByText("按真实类别归一化").click();
  await shot(page, "10-model-detail");
  ids.model = page.url().split("/").pop() ?? "";
  await page.getByRole("tab", { name: "在线试用" }).click();
  await page.getByLabel("sepal").fill("4.6");
  await page.getByLabel("petal").fill("1.2");
  await page.getByLabel("colour").fill("红");
  await page.getByTestId("predict-submit").click();
  await expect(page.getByTestId("prediction-result").getByText("setosa").first()).toBeVisible();
  await shot(page, "11-model-predict");
});

test("compare two models of one task: best value marked, differing params listed", async () => {
  const job = await api<{ id: string; project_id: string }>(page, "POST", "/jobs", {
    project_id: (await api<{ project_id: string }>(page, "GET", `/models/${ids.model}`)).project_id,
    name: "线性基线", task_type: "tabular_classification", trainer: "linear", dataset_id: ids.iris,
    columns: { target: "species", features: null }, params: {},
  });
  await page.goto(`/jobs/${job.id}`);
  expect((await watchJob(page)).at(-1)).toBe("succeeded");
  await page.getByRole("menuitem", { name: /(^|\s)模型$/ }).click();
  await expect(page.locator(".ant-table-row").nth(1)).toBeVisible();
  const boxes = page.locator(".ant-table-row .ant-checkbox-input");
  await boxes.nth(0).check();
  await boxes.nth(1).check();
  await page.getByTestId("compare-button").click();
  await expect(page.getByTestId("compare-table")).toContainText("准确率");
  await expect(page.getByTestId("best-value").first()).toBeVisible();
  await expect(page.getByTestId("param-diff")).toContainText("最大迭代次数");
  await shot(page, "14-compare");
});

test("a one-class dataset is refused at the column step of the wizard, in place", async () => {
  await page.getByRole("menuitem", { name: "数据集" }).click();
  const uploaded = await upload(page, file(work, "只有好评.csv", reviewsCsv(true)));
  ids.oneClass = uploaded.id;
  await page.goto(`/jobs/new?dataset=${uploaded.id}`);
  await page.getByRole("button", { name: "下一步" }).click();
  await page.getByText("文本分类").click();
  await page.getByRole("button", { name: "下一步" }).click();
  await pick(page, "文本列", "内容");
  await pick(page, "目标列", "类别");
  await nextTo(page, 3);
  await nextTo(page, 4);
  await page.getByTestId("job-submit").click();
  await expect(page).toHaveURL(/step=2/);
  await expect(page.getByTestId("mapping-error")).toContainText("分类任务至少需要两个类别");
  await expect(page.getByTestId("mapping-error")).toContainText("类别");
  await shot(page, "15-one-class-refused");
  // Next does not loop back: it goes on to the parameters again
  await page.getByRole("button", { name: "下一步" }).click();
  await expect(page).toHaveURL(/step=3/);
});

test("a long job cancelled from its page is shown as cancelled", async () => {
  const job = await api<{ id: string }>(page, "POST", "/jobs", {
    project_id: (await api<{ project_id: string }>(page, "GET", `/datasets/${ids.sales}`)).project_id,
    name: "长任务", task_type: "tabular_regression", trainer: "lightgbm", dataset_id: ids.sales,
    columns: { target: "单价", features: null },
    params: { n_estimators: 20000, learning_rate: 0.001, early_stopping_rounds: 0, num_leaves: 63 },
  });
  await page.goto(`/jobs/${job.id}`);
  await watchJob(page, ["running"]);
  await page.getByTestId("job-cancel").click();
  await page.locator(".ant-popconfirm:visible").getByRole("button", { name: /确\s*定/ }).click();
  const seen = await watchJob(page, ["cancelled", "succeeded", "failed"]);
  expect(seen.at(-1)).toBe("cancelled");
  await expect(page.getByTestId("job-cancelled")).toHaveText("任务已取消");
  await expect(page.getByTestId("job-stage")).toHaveText("已取消");
  await shot(page, "24-job-cancelled");
});

test("create a project and switch to it", async () => {
  await page.getByRole("menuitem", { name: /(^|\s)项目$/ }).click();
  await page.getByTestId("create-project").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("项目名称").fill("客服质检");
  await dialog.getByLabel("描述").fill("客服对话的质检模型");
  await dialog.getByRole("button", { name: /确\s*定/ }).click();
  await expect(page.getByText("项目已创建")).toBeVisible();
  await expect(page.getByTestId("projects-table").getByText("客服质检")).toBeVisible();
  await expect(page.getByTestId("project-switcher")).toContainText("客服质检");
  await page.getByRole("menuitem", { name: "数据集" }).click();
  await expect(page.getByText("还没有数据集")).toBeVisible();
  await shot(page, "25-project-created");
  await page.getByTestId("project-switcher").click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "（个人）" }).click();
  await expect(page.getByRole("link", { name: "鸢尾花.csv" })).toBeVisible();
});

test("users (field error in Chinese, own row locked), members, audit in Chinese", async () => {
  await page.getByRole("menuitem", { name: "用户管理" }).click();
  await page.getByTestId("create-user").click();
  const dialog = page.getByRole("dialog");
  await dialog.getByLabel("用户名").fill("bob");
  await dialog.getByLabel("初始密码").fill("Bob-Passw0rd-9");
  await dialog.getByRole("button", { name: /确\s*定/ }).click();
  await expect(dialog.getByText("密码至少 10 个字符，且不能包含用户名")).toBeVisible();
  await shot(page, "17-users-field-error");
  await dialog.getByLabel("初始密码").fill("Quiet-Harbor-42");
  await dialog.getByRole("button", { name: /确\s*定/ }).click();
  await expect(page.getByRole("cell", { name: "bob", exact: true }).first()).toBeVisible();
  const own = page.getByRole("row").filter({ hasText: "admin（我）" });
  await expect(own.getByRole("switch")).toBeDisabled();
  await shot(page, "18-users");
  // A personal project takes no members: add bob to the team project made above.
  await page.getByTestId("project-switcher").click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "客服质检" }).click();
  await page.getByRole("menuitem", { name: "项目成员" }).click();
  await page.getByLabel("用户名").fill("bob");
  await pick(page, "角色", "编辑者");
  await page.getByRole("button", { name: "添加成员" }).click();
  await expect(page.getByRole("cell", { name: "bob", exact: true }).first()).toBeVisible();
  await page.getByTestId("project-switcher").click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "admin 的个人项目" }).click();
  await page.getByRole("menuitem", { name: "审计日志" }).click();
  const created = page.getByRole("row").filter({ hasText: "创建用户" }).first();
  await expect(created).toBeVisible();
  await created.getByRole("button").first().click();
  await expect(page.getByTestId("audit-details").first()).toContainText("bob");
  await shot(page, "19-audit");
});

test("teacher providers: the preset fills the URL, the key is never shown, a failed test connection says why", async () => {
  await page.getByRole("menuitem", { name: "教师模型" }).click();
  await page.getByTestId("create-provider").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("provider-base-url")).toHaveValue("https://dashscope.aliyuncs.com/compatible-mode/v1");
  await dialog.getByTestId("provider-name").fill("本地教师");
  await pick(page, "类型", "OpenAI 兼容");
  await expect(dialog.getByTestId("provider-base-url")).toHaveValue("");
  await dialog.getByTestId("provider-base-url").fill("http://127.0.0.1:9/v1");
  await dialog.getByLabel("模型").fill("local-model");
  await dialog.getByLabel("模型").press("Enter");
  await dialog.getByTestId("provider-key").fill("sk-e2e-secret-9876");
  await page.getByTestId("save-provider").click();
  const row = page.getByRole("row").filter({ hasText: "本地教师" });
  await expect(row.getByText("已设置（…9876）")).toBeVisible();
  await expect(page.getByText("sk-e2e-secret-9876")).toHaveCount(0);
  await row.getByTestId("test-provider").click();
  await expect(row.getByTestId("test-result")).toContainText("连接失败");
  await expect(row.getByTestId("test-result")).toContainText("无法连接到接口地址");
  await shot(page, "19b-teachers");
});

test("teacher providers: a price is added, corrected and deleted; a limit goes back to unlimited", async () => {
  const row = page.getByRole("row").filter({ hasText: "本地教师" });
  await row.getByRole("button", { name: /^编\s*辑$/ }).click();
  const dialog = page.getByRole("dialog");
  await dialog.getByTestId("add-price").click();
  await dialog.getByTestId("price-model").click();
  await page.locator(".ant-select-dropdown:visible .ant-select-item-option", { hasText: "local-model" }).first().click();
  await dialog.getByTestId("price-input").fill("0.8");
  await dialog.getByTestId("price-output").fill("2");
  await dialog.getByTestId("provider-concurrency-unlimited").check();
  await page.getByTestId("save-provider").click();
  await expect(dialog).toHaveCount(0);
  await expect(row).toContainText("并发数 不限");

  await row.getByRole("button", { name: /展开行/ }).click();
  const prices = page.getByTestId("price-table");
  await expect(prices).toContainText("¥0.80");
  await prices.getByRole("button", { name: /^修改价格 local-model/ }).click();
  const editor = page.getByRole("dialog");
  await editor.getByTestId("price-input").fill("0.5");
  await page.getByTestId("save-price").click();
  await expect(editor).toHaveCount(0);
  await expect(prices).toContainText("¥0.50");
  await expect(prices).not.toContainText("¥0.80");
  await prices.getByRole("button", { name: /^删除价格 local-model/ }).click();
  await page.getByRole("button", { name: /^确\s*定$/ }).click();
  await expect(page.getByText("还没有价格")).toBeVisible();
  await shot(page, "19c-teacher-prices");
});

test("API keys: a new key is shown once with copyable snippets, listed, then revoked", async () => {
  await page.getByRole("menuitem", { name: "API 密钥" }).click();
  await page.getByTestId("api-key-name").fill("客服应用");
  await page.getByTestId("api-key-create").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByTestId("api-key-secret")).toContainText("tp-");
  await shot(page, "26-api-key-created");
  await dialog.getByRole("button", { name: /完\s*成/ }).click();
  await expect(page.getByRole("cell", { name: "客服应用" })).toBeVisible();
  await page.getByTestId("api-key-revoke-客服应用").click();
  await page.locator(".ant-popconfirm:visible").getByRole("button", { name: /确\s*定/ }).click();
  await expect(page.getByText("已吊销")).toBeVisible();
  // The key's prefix is data; everything else on the page is Chinese.
  const prefix = (await page.getByRole("row").filter({ hasText: "客服应用" }).locator("code").innerText()).replace(/…$/, "");
  expect(foreignTexts(await visibleTexts(page), [...DATA_WORDS, prefix, prefix.replace(/[.-]+$/, "")])).toEqual([]);
});

test("no English in the Chinese console outside data and proper names", async () => {
  const walk = [
    "/", "/datasets", `/datasets/${ids.iris}`, "/jobs", `/jobs/${ids.tabularJob}`, "/models", `/models/${ids.model}`,
    "/members", "/projects", "/base-models", "/profile", "/admin/users", "/admin/audit", `/jobs/new?dataset=${ids.iris}`,
    "/admin/teachers", "/labeling",
  ];
  const leaks: string[] = [];
  const check = async (where: string) => {
    await page.waitForLoadState("networkidle");
    await expect(page.locator(".ant-skeleton")).toHaveCount(0);
    for (const text of foreignTexts(await visibleTexts(page), DATA_WORDS)) leaks.push(`${where}: ${text}`);
  };
  for (const path of walk) {
    await page.goto(path);
    await check(path);
  }
  await page.goto(`/datasets/${ids.iris}`);
  for (const tab of ["列概况", "校验报告"]) {
    await page.getByRole("tab", { name: tab }).click();
    await check(`/datasets/${ids.iris} ${tab}`);
  }
  await page.goto(`/models/${ids.model}`);
  for (const tab of ["训练曲线", "在线试用", "模型卡片"]) {
    await page.getByRole("tab", { name: tab }).click();
    await check(`/models/${ids.model} ${tab}`);
  }
  await page.goto(`/jobs/new?dataset=${ids.oneClass}`);
  await page.getByRole("button", { name: "下一步" }).click();
  await page.getByText("文本分类").click();
  await page.getByRole("button", { name: "下一步" }).click();
  await check("wizard columns");
  await pick(page, "文本列", "内容");
  await pick(page, "目标列", "类别");
  await page.getByRole("button", { name: "下一步" }).click();
  await page.getByText(/高级参数/).first().click();
  await check("wizard params");
  expect(leaks).toEqual([]);
});

test("change my password, sign out, sign in with the new one", async () => {
  await page.getByTestId("user-menu").click();
  await page.getByRole("menuitem", { name: "我的资料" }).click();
  const form = page.getByTestId("password-form");
  await form.getByLabel("当前密码").fill(ADMIN_PASSWORD);
  await form.getByLabel("新密码", { exact: true }).fill(NEW_ADMIN_PASSWORD);
  await form.getByLabel("确认新密码").fill(NEW_ADMIN_PASSWORD);
  await page.getByTestId("password-submit").click();
  await expect(page.getByText("密码已修改")).toBeVisible();
  await shot(page, "26-password-changed");
  await page.getByTestId("user-menu").click();
  await page.getByRole("menuitem", { name: "退出登录" }).click();
  await page.waitForURL("**/login");
  await page.getByLabel("用户名").fill("admin");
  await page.getByLabel("密码").fill(ADMIN_PASSWORD);
  await page.getByTestId("login-submit").click();
  // the "password changed" toast may still be showing beside the sign-in error
  await expect(page.getByRole("alert").filter({ hasText: "用户名或密码错误" })).toBeVisible();
  await page.getByLabel("密码").fill(NEW_ADMIN_PASSWORD);
  await page.getByTestId("login-submit").click();
  await expect(page.getByText("最近的模型")).toBeVisible();
});

test("switch the language to English and keep it after a reload", async () => {
  await page.getByTestId("lang-switch").click();
  await expect(page.getByText("Recent models")).toBeVisible();
  await expect(page.getByRole("menuitem", { name: "Datasets" })).toBeVisible();
  await shot(page, "21-dashboard-en");
  await page.reload();
  await expect(page.getByText("Recent models")).toBeVisible();
  await page.getByTestId("lang-switch").click();
  await expect(page.getByText("最近的模型")).toBeVisible();
});

// Text without spaces or Latin letters, with the default trainer and settings.
test("pure-Chinese text classification with the default settings trains and predicts", async () => {
  await page.getByRole("menuitem", { name: "数据集" }).click();
  await upload(page, file(work, "评论.csv", reviewsCsv()));
  await page.getByRole("button", { name: "开始训练" }).click();
  await page.getByRole("button", { name: "下一步" }).click();
  await page.getByText("文本分类").click();
  await page.getByRole("button", { name: "下一步" }).click();
  await pick(page, "文本列", "内容");
  await pick(page, "目标列", "类别");
  await nextTo(page, 3);
  await nextTo(page, 4);
  await page.getByTestId("job-submit").click();
  await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
  const seen = await watchJob(page);
  await shot(page, "22-text-job");
  expect(seen.at(-1), await page.getByTestId("job-status").locator("..").locator("..").innerText()).toBe("succeeded");
  await page.getByTestId("job-model-link").click();
  await page.getByRole("tab", { name: "在线试用" }).click();
  await page.getByLabel("内容").fill("质量很好，推荐购买");
  await page.getByTestId("predict-submit").click();
  await expect(page.getByTestId("prediction-result").getByText("好评").first()).toBeVisible();
  await shot(page, "23-text-model-predict");
});

