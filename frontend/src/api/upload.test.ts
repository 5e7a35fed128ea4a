import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeXhr } from "../test/fakeXhr";
import { tokenStore } from "./tokens";
import { uploadFile } from "./upload";

afterEach(() => {
  vi.unstubAllGlobals();
  tokenStore.set(null);
});

const file = new File(["a,b\n1,2\n"], "t.csv", { type: "text/csv" });

describe("uploadFile", () => {
  it("reports progress, sends the token and the file, resolves with the dataset", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    tokenStore.set({ access: "A", refresh: "R" });
    const seen: number[] = [];
    const done = uploadFile<{ id: string }>({ url: "/api/v1/data/upload?project_id=p", file, onProgress: (p) => seen.push(p) });
    const xhr = FakeXhr.last;
    xhr.progress(50, 200);
    xhr.progress(200, 200);
    xhr.respond(201, { id: "d1" });
    await expect(done).resolves.toEqual({ id: "d1" });
    expect(seen).toEqual([25, 100]);
    expect(xhr.headers.Authorization).toBe("Bearer A");
    expect((xhr.body?.get("file") as File).name).toBe("t.csv");
  });

  it("cancels through the AbortSignal", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    const controller = new AbortController();
    const done = uploadFile({ url: "/u", file, onProgress: () => undefined, signal: controller.signal });
    controller.abort();
    await expect(done).rejects.toMatchObject({ code: "cancelled" });
  });

  it("turns a rejected upload into the server's message", async () => {
    vi.stubGlobal("XMLHttpRequest", FakeXhr);
    const done = uploadFile({ url: "/u", file, onProgress: () => undefined });
    FakeXhr.last.respond(422, { error: { code: "invalid_file", message: "Row 3 has 5 fields, expected 4." } });
    await expect(done).rejects.toMatchObject({ status: 422, message: "Row 3 has 5 fields, expected 4." });
  });
});
