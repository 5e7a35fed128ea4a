import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import { setLanguage } from "../i18n";
import { json, renderWithProviders } from "../test/render";
import { LoginPage } from "./LoginPage";

afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.set(null);
  setLanguage("zh");
});

describe("LoginPage", () => {
  it("asks for both fields in Chinese by default", async () => {
    renderWithProviders(<LoginPage />, { path: "/login", route: "/login" });
    fireEvent.click(screen.getByTestId("login-submit"));
    expect(await screen.findByText("请输入用户名")).toBeInTheDocument();
    expect(await screen.findByText("请输入密码")).toBeInTheDocument();
  });

  it("shows the server's error and stays signed out", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json({ error: { code: "invalid_credentials", message: "Wrong username or password." } }, 401)));
    renderWithProviders(<LoginPage />, { path: "/login", route: "/login" });
    await userEvent.type(screen.getByLabelText("用户名"), "alice");
    await userEvent.type(screen.getByLabelText("密码"), "nope");
    await userEvent.click(screen.getByTestId("login-submit"));
    expect(await screen.findByRole("alert")).toHaveTextContent("登录失败：用户名或密码错误");
    expect(tokenStore.get()).toBeNull();
  });

  it("signs in with the keyboard and leaves the login page", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => json({ access_token: "A", refresh_token: "R", expires_in: 900 })));
    renderWithProviders(<LoginPage />, { path: "/login", route: "/login" });
    await userEvent.type(screen.getByLabelText("用户名"), "alice");
    await userEvent.type(screen.getByLabelText("密码"), "secret{Enter}");
    await waitFor(() => expect(screen.getByTestId("elsewhere")).toBeInTheDocument());
    expect(tokenStore.get()).toEqual({ access: "A", refresh: "R" });
  });

  it("switches to English", async () => {
    renderWithProviders(<LoginPage />, { path: "/login", route: "/login" });
    await userEvent.click(screen.getByTestId("lang-switch"));
    expect(await screen.findByLabelText("Username")).toBeInTheDocument();
    expect(localStorage.getItem("tp.lang")).toBe("en");
  });
});
