// The backend the end-to-end test talks to: embedded mode (temporary SQLite, the local job runner,
// the built console served at /), a fresh database and admin each run, a tiny LLM base model built
// here (nothing downloaded), and a local OpenAI-compatible teacher on the next port; removed again on
// SIGTERM. Env: PYTHON, E2E_PORT.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ADMIN_PASSWORD, INLINE_MAX_BYTES, TINY_BASE_MODEL, teacherPort } from "./settings.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../..");
const backend = join(repo, "backend");
const dist = resolve(here, "../dist");
const python = process.env.PYTHON ?? join(repo, ".venv/bin/python");
const port = process.env.E2E_PORT ?? "19080";

if (!existsSync(join(dist, "index.html"))) throw new Error("frontend/dist is missing: run `npm run build` first");
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
  // Teachers on this host are allowed: the local teacher, and a closed port the provider test points at.
  LLM_PROVIDER_ALLOWED_HOSTS: "127.0.0.1",
  HF_HUB_OFFLINE: "1",
  HF_HUB_DISABLE_PROGRESS_BARS: "1",
  TRANSFORMERS_VERBOSITY: "error",
};
// The base model is built beside the database set-up; the server starts once both are done.
const baseModel = spawn(python, [join(here, "tiny_base.py"), join(env.MODEL_STORAGE_PATH, "base", TINY_BASE_MODEL)], {
  cwd: backend, env: { ...env, PYTHONPATH: backend }, stdio: "inherit",
});
const baseModelBuilt = new Promise((done, fail) => baseModel.on("exit", (code) =>
  code === 0 ? done() : fail(new Error(`building the tiny base model failed (exit ${code})`))));
execFileSync(python, ["-m", "app.db.init_db"], { cwd: backend, env, stdio: "inherit" });
execFileSync(python, ["-m", "app.scripts.create_admin"], { cwd: backend, env, stdio: "inherit" });
await baseModelBuilt;
const teacher = spawn(python, [join(here, "teacher.py"), String(teacherPort(port))], {
  cwd: backend, env: { ...env, PYTHONPATH: backend }, stdio: ["ignore", "ignore", "inherit"],
});
const server = spawn(python, ["-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", port], {
  cwd: backend, env, stdio: ["ignore", "inherit", "inherit"],
});

function stop() {
  teacher.kill("SIGTERM");
  server.kill("SIGTERM");
  setTimeout(() => server.kill("SIGKILL"), 5000).unref();
}
server.on("exit", (code) => {
  teacher.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
  process.exit(code ?? 0);
});
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
