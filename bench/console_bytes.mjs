// Bytes the built console transfers per page in a real browser (Debian's chromium, cold cache),
// counted from the browser's network events (encoded bytes on the wire, headers included), with
// the JS files' uncompressed sizes beside them. Fails when the login page loads more than
// LOGIN_JS_LIMIT_KB of compressed JS or a page loads the whole ECharts build. Writes its section of
// docs/benchmarks.md. Usage: (cd frontend && npm run build) && node bench/console_bytes.mjs [--port 19081]
import { spawn } from "node:child_process";
import { readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const frontend = join(repo, "frontend");
const { chromium } = await import(pathToFileURL(join(frontend, "node_modules/playwright-core/index.mjs")).href);
const { ADMIN_PASSWORD } = await import(pathToFileURL(join(frontend, "e2e/settings.mjs")).href);
const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? process.argv[portArg + 1] : "19081";
const base = `http://127.0.0.1:${port}`;
const REPORT = join(repo, "docs/benchmarks.md");
const LOGIN_JS_LIMIT_KB = 350;
const FULL_ECHARTS = join(frontend, "node_modules/echarts/dist/echarts.min.js");

const PAGES = [
  ["/login", "login", false],
  ["/", "dashboard", true],
  ["/datasets", "datasets", true],
  ["/datasets/{dataset}", "dataset (preview)", true],
  ["/datasets/{dataset}#profile", "dataset profile (bar charts)", true],
  ["/jobs", "jobs", true],
  ["/jobs/new", "new job wizard", true],
  ["/models", "models", true],
  ["/admin/audit", "audit log", true],
  ["/profile", "my profile", true],
];

async function waitReady(server) {
  for (let i = 0; i < 240; i++) {
    if (server.exitCode !== null) throw new Error(`backend exited with ${server.exitCode}`);
    try {
      if ((await fetch(`${base}/ready`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error("backend not ready");
}

async function signIn() {
  const form = new URLSearchParams({ username: "admin", password: ADMIN_PASSWORD });
  const tokens = await (await fetch(`${base}/api/v1/auth/login`, { method: "POST", body: form })).json();
  const projects = await (await fetch(`${base}/api/v1/projects`, { headers: { Authorization: `Bearer ${tokens.access_token}` } })).json();
  const body = new FormData();
  body.append("file", new Blob(["a,b,label\n" + Array.from({ length: 200 }, (_, i) => `${i},${i % 7},${i % 2 ? "甲" : "乙"}`).join("\n")]), "样例.csv");
  const dataset = await (await fetch(`${base}/api/v1/data/upload?project_id=${projects.items[0].id}`, {
    method: "POST", body, headers: { Authorization: `Bearer ${tokens.access_token}` },
  })).json();
  return { tokens: { access: tokens.access_token, refresh: tokens.refresh_token }, dataset: dataset.id };
}

/** One page in a fresh context (cold cache): encoded bytes per resource type, JS files loaded. */
async function measure(browser, path, session) {
  const context = await browser.newContext({ locale: "zh-CN" });
  if (session) await context.addInitScript((t) => localStorage.setItem("tp.tokens", JSON.stringify(t)), session.tokens);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  const types = new Map();
  const urls = new Map();
  const bytes = { Script: 0, Stylesheet: 0, Document: 0, other: 0 };
  const scripts = [];
  cdp.on("Network.responseReceived", (e) => { types.set(e.requestId, e.type); urls.set(e.requestId, e.response.url); });
  cdp.on("Network.loadingFinished", (e) => {
    const type = types.get(e.requestId) ?? "other";
    bytes[type in bytes ? type : "other"] += e.encodedDataLength;
    if (type === "Script") scripts.push(urls.get(e.requestId));
  });
  const [route, tab] = path.replace("{dataset}", session?.dataset ?? "").split("#");
  await page.goto(`${base}${route}`, { waitUntil: "networkidle" });
  // the page is drawn: its shell (or the login form), no skeleton left, the network quiet again
  await page.getByTestId(session ? "user-menu" : "login-submit").waitFor();
  await page.locator(".ant-skeleton").first().waitFor({ state: "detached" }).catch(() => undefined);
  await page.waitForLoadState("networkidle");
  if (tab) {
    await page.getByRole("tab", { name: "列概况" }).click();
    await page.getByTestId("column-profile").first().waitFor();
    await page.waitForLoadState("networkidle");
  }
  await page.waitForTimeout(300);
  await context.close();
  const rawJs = scripts.reduce((sum, url) => sum + statSync(join(frontend, "dist", new URL(url).pathname)).size, 0);
  const hasChart = scripts.some((url) => /\/Chart-/.test(url));
  return { bytes, rawJs, requests: scripts.length, hasChart };
}

function writeSection(body) {
  const name = "console_bytes";
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  let text = existsSync(REPORT) ? readFileSync(REPORT, "utf8") : "# Benchmarks\n";
  const section = `${start}\n${body.trim()}\n${end}`;
  if (text.includes(start) && text.includes(end)) text = text.split(start)[0] + section + text.split(end)[1];
  else text = `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(REPORT, text);
}

const kb = (n) => (n / 1024).toFixed(1);
const server = spawn("node", ["e2e/serve.mjs"], { cwd: frontend, env: { ...process.env, E2E_PORT: port }, stdio: ["ignore", "ignore", "inherit"] });
let failed = false;
try {
  await waitReady(server);
  const session = await signIn();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const rows = [];
  for (const [path, label, signedIn] of PAGES) {
    const result = await measure(browser, path, signedIn ? session : null);
    rows.push({ path, label, ...result });
    console.log(JSON.stringify({ page: label, js_kb: +kb(result.bytes.Script), js_raw_kb: +kb(result.rawJs), total_kb: +kb(Object.values(result.bytes).reduce((a, b) => a + b, 0)) }));
  }
  await browser.close();
  const fullEcharts = statSync(FULL_ECHARTS).size;
  const chartChunk = statSync(join(frontend, "dist/assets", readFileSync(join(frontend, "dist/index.html"), "utf8") && (await import("node:fs")).readdirSync(join(frontend, "dist/assets")).find((f) => /^Chart-.*\.js$/.test(f)))).size;
  const login = rows[0];
  const loginOk = login.bytes.Script / 1024 <= LOGIN_JS_LIMIT_KB;
  const chartOk = chartChunk < fullEcharts / 2;
  failed = !loginOk || !chartOk;
  const table = rows.map((r) =>
    `| ${r.label} | \`${r.path.replace("{dataset}", "{id}")}\` | ${r.requests} | ${kb(r.bytes.Script)} | ${kb(r.rawJs)} | ${kb(r.bytes.Stylesheet + r.bytes.Document + r.bytes.other)} | ${r.hasChart ? "yes" : "no"} |`).join("\n");
  writeSection(`## Console: bytes per page in the browser (\`bench/console_bytes.mjs\`)

Each page opened in a fresh chromium context (cold cache) against the backend serving the built console
(\`app/web.py\` sends the build's pre-compressed \`.br\` twins); bytes are the browser's encoded bytes on the
wire (Chrome DevTools \`Network.loadingFinished\`, headers included), "JS uncompressed" the same files' sizes
in \`dist/\`. API answers and the document are in "other".

| page | path | JS files | JS transferred (KB) | JS uncompressed (KB) | other (KB) | ECharts chunk |
|---|---|---|---|---|---|---|
${table}

- Login page JS: ${kb(login.bytes.Script)} KB transferred (limit ${LOGIN_JS_LIMIT_KB} KB): ${loginOk ? "met" : "**missed**"}.
- Charts import \`echarts/core\` with only the line, bar and heatmap series: the shared chart chunk is
  ${kb(chartChunk)} KB uncompressed against ${kb(fullEcharts)} KB for the whole library (\`echarts.min.js\`),
  and it is loaded only by pages that draw a chart: ${chartOk ? "met" : "**missed**"}.
`);
} catch (error) {
  console.error(error);
  failed = true;
} finally {
  server.kill("SIGTERM");
}
process.exitCode = failed ? 1 : 0;
