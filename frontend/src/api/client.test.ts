import { afterEach, describe, expect, it, vi } from "vitest";
import { json } from "../test/render";
import { authFetch, login, unwrap, api } from "./client";
import { ApiError } from "./errors";
import { tokenStore } from "./tokens";

afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.set(null);
});

function urlOf(input: RequestInfo | URL): string {
  return input instanceof Request ? input.url : String(input);
}

describe("authFetch", () => {
  it("sends the bearer token", async () => {
    tokenStore.set({ access: "A1", refresh: "R1" });
    const fetchMock = vi.fn(async (_input: RequestInfo | URL) => json({ ok: true }));
    vi.stubGlobal("fetch", fetchMock);
    await authFetch(new Request("http://localhost/api/v1/users/me"));
    const sent = fetchMock.mock.calls[0][0] as Request;
    expect(sent.headers.get("Authorization")).toBe("Bearer A1");
  });

  it("refreshes once on 401 and retries with the new token, for concurrent requests too", async () => {
    tokenStore.set({ access: "old", refresh: "R1" });
    let refreshes = 0;
    vi.stubGlobal("fetch", vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
      if (urlOf(input).endsWith("/auth/refresh")) {
        refreshes += 1;
        expect(JSON.parse(String(init?.body))).toEqual({ refresh_token: "R1" });
        return json({ access_token: "new", refresh_token: "R2", expires_in: 900 });
      }
      const auth = (input as Request).headers.get("Authorization");
      return auth === "Bearer new" ? json({ username: "alice" }) : json({ error: { code: "token_expired", message: "expired" } }, 401);
    }));
    const [a, b] = await Promise.all([
      authFetch(new Request("http://localhost/api/v1/users/me")),
      authFetch(new Request("http://localhost/api/v1/projects")),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(refreshes).toBe(1);
    expect(tokenStore.get()).toEqual({ access: "new", refresh: "R2" });
  });

  it("signs out when the refresh token is rejected", async () => {
    tokenStore.set({ access: "old", refresh: "bad" });
    vi.stubGlobal("fetch", vi.fn(async () => json({ error: { code: "invalid_token", message: "no" } }, 401)));
    const response = await authFetch(new Request("http://localhost/api/v1/users/me"));
    expect(response.status).toBe(401);
    expect(tokenStore.get()).toBeNull();
  });
});

describe("login and unwrap", () => {
  it("stores tokens on success and throws the server's message on failure", async () => {
    vi.stubGlobal("fetch", vi.fn(async (_i: RequestInfo | URL, init?: RequestInit) => {
      const form = new URLSearchParams(String(init?.body));
      return form.get("password") === "right"
        ? json({ access_token: "A", refresh_token: "R", expires_in: 900 })
        : json({ error: { code: "invalid_credentials", message: "Wrong username or password." } }, 401);
    }));
    await expect(login("alice", "wrong")).rejects.toMatchObject({ status: 401, message: "Wrong username or password." });
    expect(tokenStore.get()).toBeNull();
    await login("alice", "right");
    expect(tokenStore.get()).toEqual({ access: "A", refresh: "R" });
  });

  it("turns the error envelope into an ApiError with field errors", async () => {
    vi.stubGlobal("fetch", vi.fn(async () =>
      json({ error: { code: "validation_error", message: "Invalid", details: [{ field: "body.username", message: "too short", type: "x" }] } }, 422),
    ));
    const error = await unwrap(api.POST("/api/v1/users", { body: { username: "a", password: "p", display_name: "", role: "member" } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).fieldErrors()).toEqual({ username: "too short" });
  });

  it("reads pydantic loc/msg details too", () => {
    const error = new ApiError(422, "invalid_params", "bad", [{ loc: ["learning_rate"], msg: "must be > 0" }]);
    expect(error.fieldErrors()).toEqual({ learning_rate: "must be > 0" });
  });
});

describe("single-field errors", () => {
  it("puts a `{field}` detail's message on that field, in the UI's language from its code", () => {
    const error = new ApiError(422, "weak_password", "Password must not contain the username.", { field: "password" });
    expect(error.fieldErrors()).toEqual({ password: "密码至少 10 个字符，且不能包含用户名" });
    const unknown = new ApiError(422, "brand_new_code", "Server words.", { field: "name" });
    expect(unknown.fieldErrors()).toEqual({ name: "Server words." });
  });
});
