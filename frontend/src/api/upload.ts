/** A multipart upload with real progress (XMLHttpRequest) and cancel (AbortSignal). */
import { refreshTokens } from "./client";
import { ApiError, toApiError } from "./errors";
import { tokenStore } from "./tokens";

export interface UploadOptions {
  url: string;
  file: File;
  onProgress: (percent: number) => void;
  signal?: AbortSignal;
}

function send(opts: UploadOptions): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", opts.url);
    const tokens = tokenStore.get();
    if (tokens) xhr.setRequestHeader("Authorization", `Bearer ${tokens.access}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) opts.onProgress(Math.round((event.loaded / event.total) * 100));
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        body = undefined;
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new ApiError(0, "network_error", "Network error"));
    xhr.onabort = () => reject(new ApiError(0, "cancelled", "Upload cancelled"));
    opts.signal?.addEventListener("abort", () => xhr.abort());
    const form = new FormData();
    form.append("file", opts.file);
    xhr.send(form);
  });
}

/** Upload a file; refresh the token once if it expired. Resolves with the JSON body. */
export async function uploadFile<T>(opts: UploadOptions): Promise<T> {
  let result = await send(opts);
  if (result.status === 401 && (await refreshTokens())) result = await send(opts);
  if (result.status < 200 || result.status >= 300) throw toApiError(result.status, result.body);
  return result.body as T;
}
