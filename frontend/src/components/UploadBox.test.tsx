import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Dataset } from "../api/domain";
import { dataset, processingDataset } from "../test/api";
import { FakeXhr } from "../test/fakeXhr";
import { renderWithProviders } from "../test/render";
import { UploadBox } from "./UploadBox";

afterEach(() => {
  vi.unstubAllGlobals();
});

async function upload(answer: Dataset) {
  vi.stubGlobal("XMLHttpRequest", FakeXhr);
  const uploaded: Dataset[] = [];
  const { container } = renderWithProviders(<UploadBox projectId="p1" onUploaded={(d) => uploaded.push(d)} />);
  const input = container.querySelector('input[type="file"]') as HTMLInputElement;
  const before = FakeXhr.last;
  await userEvent.upload(input, new File(["a,b\n1,2\n"], answer.name, { type: "text/csv" }));
  await waitFor(() => expect(FakeXhr.last).not.toBe(before));
  expect(FakeXhr.last.url).toBe("/api/v1/data/upload?project_id=p1");
  FakeXhr.last.respond(201, answer);
  await waitFor(() => expect(uploaded).toEqual([answer]));
}

describe("UploadBox", () => {
  it("says a large upload is being converted in the background", async () => {
    await upload(processingDataset({ name: "big.csv" }));
    expect(await screen.findByText("已上传 big.csv，文件较大，正在后台转换")).toBeInTheDocument();
    expect(screen.queryByText(/上传成功/)).toBeNull();
  });

  it("says a small upload is done", async () => {
    await upload(dataset({ name: "small.csv" }));
    expect(await screen.findByText("上传成功: small.csv")).toBeInTheDocument();
    expect(screen.queryByText(/正在后台转换/)).toBeNull();
  });
});
