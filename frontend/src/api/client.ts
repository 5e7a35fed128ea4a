/** The typed API client: bearer tokens, one silent refresh on 401, errors as ApiError. */
import createClient from "openapi-fetch";
import { toApiError } from "./errors";
import type { paths } from "./schema";
import { tokenStore } from "./tokens";

export const API = "/api/v1";
let refreshing: Promise<boolean> | null = null;

async function doRefresh(): Promise<boolean> {
  const tokens = tokenStore.get();
  if (!tokens) return false;
  const response = await fetch(`${API}/auth/refresh`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: tokens.refresh }),
  });
  if (!response.ok) {
    tokenStore.set(null);
    return false;
  }
  const body = (await response.json()) as { access_token: string; refresh_token: string };
  tokenStore.set({ access: body.access_token, refresh: body.refresh_token });
  return true;
}

/** Rotate the tokens once, however many requests failed at the same time. */
export function refreshTokens(): Promise<boolean> {
  refreshing ??= doRefresh().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

function withToken(request: Request): Request {
  const tokens = tokenStore.get();
  if (!tokens) return request;
  const headers = new Headers(request.headers);
  headers.set("Authorization", `Bearer ${tokens.access}`);
  return new Request(request, { headers });
}

/** fetch with the access token; on 401 refresh silently and retry once. */
export async function authFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  const response = await fetch(withToken(input));
  if (response.status !== 401 || input.url.includes("/auth/") || !tokenStore.get()) {
    return response;
  }
  return (await refreshTokens()) ? fetch(withToken(retry)) : response;
}

const origin = typeof location !== "undefined" ? location.origin : "http://localhost";
export const api = createClient<paths>({ baseUrl: origin, fetch: authFetch });

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful call, or a thrown ApiError. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(response.status, error);
  return data as T;
}

/** Sign in with a username and password. */
export async function login(username: string, password: string): Promise<void> {
  const form = new URLSearchParams({ username, password });
  const response = await fetch(`${API}/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: form,
  });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw toApiError(response.status, body);
  const tokens = body as { access_token: string; refresh_token: string };
  tokenStore.set({ access: tokens.access_token, refresh: tokens.refresh_token });
}

/** Revoke the refresh token and forget the session. */
export async function logout(): Promise<void> {
  const tokens = tokenStore.get();
  tokenStore.set(null);
  if (tokens) {
    await fetch(`${API}/auth/logout`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ refresh_token: tokens.refresh }),
    }).catch(() => undefined);
  }
}
