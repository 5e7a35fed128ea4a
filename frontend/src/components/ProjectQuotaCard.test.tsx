import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../api/errors";
import { errorText } from "../api/errorText";
import { tokenStore } from "../api/tokens";
import { setLanguage } from "../i18n";
import { queuePlace } from "../lib/jobView";
import { stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { ProjectQuotaCard } from "./ProjectQuotaCard";

const USAGE = {
  running_jobs: { limit: 2, used: 1 },
  queued_jobs: { limit: null, used: 7 },
  gpu_jobs: { limit: 0, used: 0 },
  storage_bytes: { limit: 1024 * 1024, used: 512 * 1024 },
  monthly_teacher_spend: { limit: "10.5", used: "2.25" },
};

beforeEach(() => tokenStore.set({ access: "A", refresh: "R" }));
afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.set(null);
  setLanguage("zh");
});

const rowOf = (label: string) => screen.getByText(label).closest("tr") as HTMLElement;

describe("ProjectQuotaCard", () => {
  it("shows each quota's usage against its limit in Chinese", async () => {
    stubApi({ "GET /api/v1/projects/p1/usage": () => json(USAGE) });
    renderWithProviders(<ProjectQuotaCard projectId="p1" isAdmin={false} />);
    await screen.findByText("512.0 KB");
    expect(within(rowOf("排队中的任务")).getByText("不限")).toBeInTheDocument();
    expect(within(rowOf("存储空间")).getByText("512.0 KB")).toBeInTheDocument();
    expect(within(rowOf("本月教师模型费用")).getByText("10.5")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "修改配额" })).toBeNull();
  });

  it("lets an admin set a limit and clear another to unlimited", async () => {
    let sent: unknown = null;
    stubApi({
      "GET /api/v1/projects/p1/usage": () => json(USAGE),
      "PATCH /api/v1/projects/p1/quotas": async (_url, request) => {
        sent = await request.json();
        return json({});
      },
    });
    renderWithProviders(<ProjectQuotaCard projectId="p1" isAdmin />);
    await screen.findByText("512.0 KB");
    fireEvent.click(screen.getByRole("button", { name: "修改配额" }));
    const dialog = await screen.findByRole("dialog");
    const running = within(dialog).getByLabelText("同时运行的任务");
    fireEvent.change(running, { target: { value: "" } });
    fireEvent.change(within(dialog).getByLabelText("排队中的任务"), { target: { value: "30" } });
    fireEvent.click(within(dialog).getByRole("button", { name: /确\s*定|OK/ }));
    await waitFor(() => expect(sent).not.toBeNull());
    expect(sent).toMatchObject({ running_jobs: null, queued_jobs: 30, gpu_jobs: 0, storage_bytes: 1024 * 1024 });
  });
});

describe("queue place and quota errors", () => {
  const t = (key: string, vars?: Record<string, unknown>) => `${key}:${JSON.stringify(vars ?? {})}`;

  it("says whether a queued job starts next or how many are ahead", () => {
    expect(queuePlace(t, { status: "queued", queue_position: 0 })).toBe("jobs.queueNext:{}");
    expect(queuePlace(t, { status: "queued", queue_position: 3 })).toBe('jobs.queueAhead:{"count":3}');
    expect(queuePlace(t, { status: "running", queue_position: null })).toBe("—");
  });

  it("names the quota and its limit in the UI's language", () => {
    const error = new ApiError(413, "quota_exceeded", "Storage quota exceeded", { quota: "storage_bytes", limit: 2048 });
    expect(errorText(error, "zh")).toBe("已达到项目配额「存储空间」（上限 2.0 KB），请联系系统管理员提高配额");
    const queued = new ApiError(429, "quota_exceeded", "Queued-jobs quota reached", { quota: "queued_jobs", limit: 5 });
    expect(errorText(queued, "en")).toContain("“Queued jobs” quota is reached (limit 5)");
  });
});
