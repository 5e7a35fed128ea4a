import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";
import { describe, expect, it, vi } from "vitest";
import { ErrorBoundary } from "./ErrorBoundary";
import { StatusTag } from "./StatusTag";

let explode = true;
function Bomb() {
  const [n] = useState(1);
  if (explode) throw new Error("kaboom");
  return <div>fine {n}</div>;
}

describe("ErrorBoundary", () => {
  it("shows the error instead of a blank page and recovers on retry", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    render(<ErrorBoundary><Bomb /></ErrorBoundary>);
    expect(screen.getByText("页面出错了")).toBeInTheDocument();
    expect(screen.getByText("kaboom")).toBeInTheDocument();
    explode = false;
    await userEvent.click(screen.getByRole("button"));
    expect(screen.getByText("fine 1")).toBeInTheDocument();
  });
});

describe("StatusTag", () => {
  it("translates job statuses", () => {
    render(<StatusTag status="running" />);
    expect(screen.getByText("运行中")).toHaveAttribute("data-status", "running");
  });
});
