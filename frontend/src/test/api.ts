/** A stand-in for the backend over fetch: routes "METHOD /path" to handlers and records the calls. */
import { vi } from "vitest";
import type { Dataset } from "../api/domain";
import type { Project } from "../api/types";
import { json } from "./render";

type Handler = (url: URL, request: Request) => Response | Promise<Response>;

/** Stub fetch with these routes (exact method and path); other calls answer 404. Returns the calls made. */
export function stubApi(routes: Record<string, Handler>): string[] {
  const calls: string[] = [];
  vi.stubGlobal("fetch", vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), "http://localhost"), init);
    const url = new URL(request.url);
    const key = `${request.method} ${url.pathname}`;
    calls.push(key);
    const handler = routes[key];
    return handler ? handler(url, request) : json({ error: { code: "not_found", message: `no route ${key}` } }, 404);
  }));
  return calls;
}

/** A page of items as the list endpoints answer. */
export function page<T>(items: T[]) {
  return { items, total: items.length, limit: 100, offset: 0 };
}

export const PROJECT: Project = {
  id: "p1", name: "Demo", description: "", is_personal: false, my_role: "owner", created_at: "2026-01-01T00:00:00Z",
};

/** A dataset as the API shows it; ready with two columns unless told otherwise. */
export function dataset(fields: Partial<Dataset> = {}): Dataset {
  return {
    id: "d1", project_id: PROJECT.id, name: "iris.csv", description: "", original_filename: "iris.csv",
    format: "csv", encoding: "utf-8", size_bytes: 1024, sha256: "0".repeat(64), row_count: 3,
    columns: [
      { name: "petal", dtype: "float64", inferred_type: "numeric" },
      { name: "species", dtype: "object", inferred_type: "categorical" },
    ],
    status: "ready", error: null, parent_id: null, created_by_id: null,
    created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z",
    ...fields,
  };
}

/** A dataset that was just uploaded and is still being converted in the background. */
export function processingDataset(fields: Partial<Dataset> = {}): Dataset {
  return dataset({ format: "", encoding: null, row_count: 0, columns: [], status: "processing", ...fields });
}
