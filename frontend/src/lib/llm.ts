/** Pure helpers of the LLM pages: SSE parsing, API snippets, the memory verdict, live job figures. */
import type { Point } from "./jobStream";

/** One event of the console's chat stream. */
export type ChatEvent =
  | { type: "delta"; text: string }
  | { type: "done"; finish_reason: string; prompt_tokens: number; completion_tokens: number }
  | { type: "error"; code: string; message: string };

/** Split received SSE text into the `data:` payloads of complete events and the unfinished rest. */
export function parseSse(buffer: string): { events: ChatEvent[]; rest: string } {
  const normalised = buffer.replace(/\r\n/g, "\n");
  const blocks = normalised.split("\n\n");
  const rest = blocks.pop() ?? "";
  const events: ChatEvent[] = [];
  for (const block of blocks) {
    const data = block
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).replace(/^ /, ""))
      .join("\n");
    if (data) events.push(JSON.parse(data) as ChatEvent);
  }
  return { events, rest };
}

/** The OpenAI-compatible base URL of this platform, as clients call it. */
export function openaiBaseUrl(origin: string): string {
  return `${origin.replace(/\/+$/, "")}/v1`;
}

/** Ready-to-run curl and Python (`openai` SDK) calls of a model with a key. */
export function apiSnippets(origin: string, model: string, key = "$PLATFORM_API_KEY"): { curl: string; python: string } {
  const base = openaiBaseUrl(origin);
  const body = JSON.stringify({ model, messages: [{ role: "user", content: "你好" }], stream: false });
  const curl = [
    `curl ${base}/chat/completions \\`,
    `  -H "Authorization: Bearer ${key}" \\`,
    `  -H "Content-Type: application/json" \\`,
    `  -d '${body}'`,
  ].join("\n");
  const pythonKey = key.startsWith("$") ? `os.environ["${key.slice(1)}"]` : JSON.stringify(key);
  const python = [
    ...(key.startsWith("$") ? ["import os", ""] : []),
    "from openai import OpenAI",
    "",
    `client = OpenAI(base_url=${JSON.stringify(base)}, api_key=${pythonKey})`,
    "answer = client.chat.completions.create(",
    `    model=${JSON.stringify(model)},`,
    `    messages=[{"role": "user", "content": "你好"}],`,
    ")",
    "print(answer.choices[0].message.content)",
  ].join("\n");
  return { curl, python };
}

/** Share of the free memory a run may use before the console warns that it is tight. */
export const TIGHT_SHARE = 0.9;

/** Whether a run fits: `over` blocks submit with a warning, `tight` warns, `unknown` on GPUs. */
export function memoryVerdict(estimate: { needed: number; available: number | null }): "fits" | "tight" | "over" | "unknown" {
  if (estimate.available == null) return "unknown";
  if (estimate.needed > estimate.available) return "over";
  return estimate.needed > estimate.available * TIGHT_SHARE ? "tight" : "fits";
}

/** What the fine-tuning job page plots and shows, from the live metric series. */
export interface LlmJobFigures {
  loss: Record<string, Point[]>;
  learningRate: Record<string, Point[]>;
  throughput: Record<string, Point[]>;
  tokensPerSecond: number | null;
  etaSeconds: number | null;
  perplexity: number | null;
}

function last(points: Point[] | undefined): number | null {
  return points?.length ? points[points.length - 1][1] : null;
}

function pick(series: Record<string, Point[]>, keys: string[]): Record<string, Point[]> {
  return Object.fromEntries(keys.filter((k) => series[k]?.length).map((k) => [k, series[k]]));
}

/** Loss (train and eval), learning rate, tokens/s curves and the latest tokens/s, ETA, perplexity. */
export function llmJobFigures(series: Record<string, Point[]>): LlmJobFigures {
  return {
    loss: pick(series, ["train/loss", "validation/loss"]),
    learningRate: pick(series, ["train/learning_rate"]),
    throughput: pick(series, ["train/tokens_per_second"]),
    tokensPerSecond: last(series["train/tokens_per_second"]),
    etaSeconds: last(series["train/eta_seconds"]),
    perplexity: last(series["validation/perplexity"]),
  };
}

/** The held-out generation report of an llm_sft version, as stored by the trainer. */
export interface GenerationReport {
  prompts: number;
  scoring: string;
  tuned: Record<string, number>;
  base?: Record<string, number>;
  stop_check?: { rate: number; ok: boolean; warning: string | null };
  samples: { prompt: string; reference: string; tuned: string; base?: string }[];
}

/** Below this share of answers that ended on their own, the model may not stop generating. */
export const STOP_WARN_BELOW = 0.95;

/** The version's generation report and losses, or null when the report has none. */
export function readLlmReport(report: Record<string, unknown> | null | undefined): {
  generation: GenerationReport | null;
  losses: Record<string, number>;
  stopWarning: boolean;
} {
  const generation = (report?.generation as GenerationReport | undefined) ?? null;
  const hasGeneration = !!generation && typeof generation === "object" && "tuned" in generation;
  const losses = (report?.losses as Record<string, number> | undefined) ?? {};
  const rate = hasGeneration ? generation.stop_check?.rate : undefined;
  return {
    generation: hasGeneration ? generation : null,
    losses,
    stopWarning: rate != null && rate < STOP_WARN_BELOW,
  };
}
