import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tokenStore } from "../api/tokens";
import { FakeSocket } from "../test/fakeSocket";
import { useJobStream } from "./useJobStream";

const job = { id: "j1", status: "running", progress: 0.1 };
const metrics = (id: number, step: number, loss: number) => ({
  id, job_id: "j1", type: "metrics", data: { metrics: { loss }, step, split: "validation" }, created_at: "",
});

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
  vi.stubGlobal("WebSocket", FakeSocket);
  tokenStore.set({ access: "A1", refresh: "R1" });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  tokenStore.set(null);
});

describe("useJobStream", () => {
  it("authenticates in the first message, streams, and resumes after a drop from the last event", async () => {
    const { result } = renderHook(() => useJobStream("j1"));
    const first = FakeSocket.all[0];
    expect(first.url).toMatch(/\/ws\/jobs\/j1\?last_event_id=0$/);
    act(() => first.open());
    expect(JSON.parse(first.sent[0])).toEqual({ token: "A1", last_event_id: 0 });
    act(() => {
      first.receive({ type: "snapshot", job });
      first.receive(metrics(1, 1, 0.9));
      first.receive(metrics(2, 2, 0.7));
    });
    expect(result.current.connection).toBe("open");
    expect(result.current.series["validation/loss"]).toEqual([[1, 0.9], [2, 0.7]]);

    act(() => first.drop());
    expect(result.current.connection).toBe("reconnecting");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1500);
    });
    const second = FakeSocket.all[1];
    expect(second.url).toMatch(/last_event_id=2$/);
    act(() => {
      second.open();
      second.receive({ type: "snapshot", job });
      second.receive(metrics(2, 2, 0.7));
      second.receive(metrics(3, 3, 0.5));
    });
    expect(JSON.parse(second.sent[0]).last_event_id).toBe(2);
    expect(result.current.series["validation/loss"]).toEqual([[1, 0.9], [2, 0.7], [3, 0.5]]);
  });

  it("stops when the job is not found", () => {
    const { result } = renderHook(() => useJobStream("nope"));
    act(() => FakeSocket.all[0].drop(4404));
    expect(result.current.connection).toBe("closed");
    vi.advanceTimersByTime(20_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("connects to nothing without a job, and starts afresh when the job changes", () => {
    const { result, rerender } = renderHook(({ id }: { id: string | null }) => useJobStream(id), {
      initialProps: { id: null as string | null },
    });
    expect(FakeSocket.all).toHaveLength(0);
    expect(result.current.connection).toBe("closed");
    rerender({ id: "j1" });
    act(() => {
      FakeSocket.all[0].open();
      FakeSocket.all[0].receive({ type: "snapshot", job });
      FakeSocket.all[0].receive(metrics(7, 1, 0.9));
    });
    expect(result.current.lastEventId).toBe(7);
    rerender({ id: "j2" });
    expect(result.current.lastEventId).toBe(0);
    expect(result.current.job).toBeNull();
    expect(result.current.connection).toBe("connecting");
    expect(FakeSocket.all[1].url).toMatch(/\/ws\/jobs\/j2\?last_event_id=0$/);
  });
});
