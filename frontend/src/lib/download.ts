/** Download an authenticated file (the token is a header, so a plain link won't do). */
import { API, authFetch } from "../api/client";
import { toApiError } from "../api/errors";

export async function downloadFile(path: string, filename: string): Promise<void> {
  const response = await authFetch(new Request(`${location.origin}${API}${path}`));
  if (!response.ok) throw toApiError(response.status, await response.json().catch(() => undefined));
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
