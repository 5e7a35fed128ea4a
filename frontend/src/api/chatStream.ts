/** The console's chat with a model version: POST, then read the server-sent events as they come. */
import { API, authFetch } from "./client";
import { toApiError } from "./errors";
import { parseSse, type ChatEvent } from "../lib/llm";

export interface ChatRequest {
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  temperature: number;
  max_tokens: number;
}

/** Stream one answer; `onEvent` sees each event; abort `signal` to stop generating. */
export async function streamChat(modelId: string, body: ChatRequest, onEvent: (event: ChatEvent) => void, signal: AbortSignal): Promise<void> {
  const response = await authFetch(
    new Request(`${location.origin}${API}/finetune/models/${modelId}/chat`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal,
    }),
  );
  if (!response.ok || !response.body) {
    throw toApiError(response.status, await response.json().catch(() => undefined));
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const parsed = parseSse(buffer + value);
    buffer = parsed.rest;
    parsed.events.forEach(onEvent);
  }
}
