import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import { ProjectProvider } from "../hooks/useProject";
import { PROJECT, page, stubApi } from "../test/api";
import { json, renderWithProviders } from "../test/render";
import { ApiKeysPage } from "./ApiKeysPage";

beforeEach(() => tokenStore.set({ access: "A", refresh: "R" }));
afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.set(null);
});

const KEY = {
  id: "k1", project_id: PROJECT.id, name: "客服应用", prefix: "tp-abcdefg", created_at: "2026-01-01T00:00:00Z",
  created_by_id: null, last_used_at: null, revoked_at: null, calls: 3, prompt_tokens: 40, completion_tokens: 12,
};
const MODEL = { id: "m1", name: "客服", version: 2, alias: "kefu", task_type: "llm_sft" };

describe("ApiKeysPage", () => {
  it("shows a new key once with the snippets filled, and lists keys with their use", async () => {
    const keys = [KEY];
    stubApi({
      "GET /api/v1/projects": () => json(page([PROJECT])),
      "GET /api/v1/projects/p1/api-keys": () => json(keys),
      "GET /api/v1/models": (url) => json(page(url.searchParams.get("task_type") === "llm_sft" ? [MODEL] : [])),
      "POST /api/v1/projects/p1/api-keys": async (_url, request) => {
        const body = (await request.json()) as { name: string };
        const created = { ...KEY, id: "k2", name: body.name, prefix: "tp-secret0", calls: 0 };
        keys.push(created);
        return json({ ...created, key: "tp-secret0123" }, 201);
      },
    });
    renderWithProviders(<ProjectProvider><ApiKeysPage /></ProjectProvider>);
    expect(await screen.findByText("客服应用", {}, { timeout: 10_000 })).toBeTruthy();
    expect(screen.getByText("40 / 12")).toBeTruthy();
    await waitFor(() => expect(screen.getByTestId("snippet-curl").textContent).toContain('"model":"kefu"'), { timeout: 10_000 });
    expect(screen.getByTestId("snippet-curl").textContent).toContain("$PLATFORM_API_KEY");

    const user = userEvent.setup();
    await user.type(screen.getByTestId("api-key-name"), "批处理");
    await user.click(screen.getByTestId("api-key-create"));
    const secret = await screen.findByTestId("api-key-secret", {}, { timeout: 10_000 });
    expect(secret.textContent).toContain("tp-secret0123");
    await waitFor(() => expect(screen.getAllByTestId("snippet-curl").some((s) => s.textContent?.includes("Bearer tp-secret0123"))).toBe(true), { timeout: 10_000 });
    expect(await screen.findByText("批处理", {}, { timeout: 10_000 })).toBeTruthy();
  });

  it("removes the secret from the page once its dialog is closed, not merely hides it", async () => {
    stubApi({
      "GET /api/v1/projects": () => json(page([PROJECT])),
      "GET /api/v1/projects/p1/api-keys": () => json([]),
      "GET /api/v1/models": () => json(page([MODEL])),
      "POST /api/v1/projects/p1/api-keys": () => json({ ...KEY, key: "tp-secret0123" }, 201),
    });
    renderWithProviders(<ProjectProvider><ApiKeysPage /></ProjectProvider>);
    const user = userEvent.setup();
    await user.type(await screen.findByTestId("api-key-name", {}, { timeout: 10_000 }), "批处理");
    await user.click(screen.getByTestId("api-key-create"));
    await screen.findByTestId("api-key-secret", {}, { timeout: 10_000 });
    await user.click(screen.getByRole("button", { name: /完\s*成/ }));
    await waitFor(() => expect(document.body.textContent).not.toContain("tp-secret0123"), { timeout: 10_000 });
  }, 60_000);
});
