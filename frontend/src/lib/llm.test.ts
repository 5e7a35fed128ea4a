import { describe, expect, it } from "vitest";
import { apiSnippets, llmJobFigures, memoryVerdict, parseSse, readLlmReport } from "./llm";

describe("parseSse", () => {
  it("returns complete events and keeps a partial one for the next chunk", () => {
    const first = parseSse('data: {"type":"delta","text":"你"}\n\ndata: {"type":"delta","te');
    expect(first.events).toEqual([{ type: "delta", text: "你" }]);
    const second = parseSse(first.rest + 'xt":"好"}\n\ndata: {"type":"done","finish_reason":"stop","prompt_tokens":3,"completion_tokens":2}\n\n');
    expect(second.events.map((e) => e.type)).toEqual(["delta", "done"]);
    expect(second.events[0]).toEqual({ type: "delta", text: "好" });
    expect(second.rest).toBe("");
  });

  it("accepts CRLF line ends and ignores comment lines", () => {
    const { events } = parseSse(': keep-alive\r\n\r\ndata: {"type":"error","code":"server_busy","message":"busy"}\r\n\r\n');
    expect(events).toEqual([{ type: "error", code: "server_busy", message: "busy" }]);
  });
});

describe("apiSnippets", () => {
  it("fills the platform's /v1 base URL, the model and the key", () => {
    const { curl, python } = apiSnippets("https://ml.example.cn/", "客服-v1", "tp-secret");
    expect(curl).toContain("curl https://ml.example.cn/v1/chat/completions");
    expect(curl).toContain('-H "Authorization: Bearer tp-secret"');
    const body = JSON.parse(curl.split("-d '")[1].replace(/'$/, "")) as { model: string };
    expect(body.model).toBe("客服-v1");
    expect(python).toContain('OpenAI(base_url="https://ml.example.cn/v1", api_key="tp-secret")');
    expect(python).toContain('model="客服-v1"');
    expect(python).not.toContain("import os");
  });

  it("reads the key from the environment when none is given", () => {
    const { curl, python } = apiSnippets("http://localhost:8000", "m");
    expect(curl).toContain("Bearer $PLATFORM_API_KEY");
    expect(python).toContain('api_key=os.environ["PLATFORM_API_KEY"]');
    expect(python.startsWith("import os")).toBe(true);
  });
});

describe("memoryVerdict", () => {
  it("warns when over or close to the free memory, and cannot tell without it", () => {
    expect(memoryVerdict({ needed: 5, available: 10 })).toBe("fits");
    expect(memoryVerdict({ needed: 9.5, available: 10 })).toBe("tight");
    expect(memoryVerdict({ needed: 11, available: 10 })).toBe("over");
    expect(memoryVerdict({ needed: 11, available: null })).toBe("unknown");
  });
});

describe("llmJobFigures", () => {
  it("splits the series into loss, learning rate and throughput, with the latest values", () => {
    const figures = llmJobFigures({
      "train/loss": [[1, 2.5], [2, 2.1]],
      "validation/loss": [[2, 2.3]],
      "validation/perplexity": [[2, 9.97]],
      "train/learning_rate": [[1, 1e-4], [2, 2e-4]],
      "train/tokens_per_second": [[1, 800], [2, 950]],
      "train/eta_seconds": [[1, 120], [2, 100]],
      "train/grad_norm": [[1, 1]],
    });
    expect(Object.keys(figures.loss)).toEqual(["train/loss", "validation/loss"]);
    expect(Object.keys(figures.learningRate)).toEqual(["train/learning_rate"]);
    expect(figures.tokensPerSecond).toBe(950);
    expect(figures.etaSeconds).toBe(100);
    expect(figures.perplexity).toBe(9.97);
    expect(llmJobFigures({}).etaSeconds).toBeNull();
  });
});

describe("readLlmReport", () => {
  const generation = { prompts: 2, scoring: "rouge_l_bleu", tuned: { rouge_l: 0.5 }, samples: [], stop_check: { rate: 0.9, ok: false, warning: "w" } };
  it("flags a stop rate below 95 %", () => {
    expect(readLlmReport({ generation, losses: { eval_loss: 1 } }).stopWarning).toBe(true);
    const ok = { ...generation, stop_check: { rate: 0.95, ok: true, warning: null } };
    expect(readLlmReport({ generation: ok }).stopWarning).toBe(false);
  });
  it("has no generation when the run skipped it", () => {
    expect(readLlmReport({ generation: {} }).generation).toBeNull();
    expect(readLlmReport(undefined).losses).toEqual({});
  });
});
