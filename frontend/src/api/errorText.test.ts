import { describe, expect, it } from "vitest";
import { issueText } from "./errorText";

describe("issueText", () => {
  it("names the row of a chat row problem in the UI's language", () => {
    const problem = { row: 3, code: "no_assistant_turn", message: "row 3: the conversation has no assistant turn." };
    expect(issueText(problem, "zh")).toBe("第 3 行：对话中没有助手的回答");
    expect(issueText(problem, "en")).toBe("Row 3: the conversation has no assistant answer");
  });

  it("names the first listed row of a validation issue that counts several", () => {
    const issue = { code: "wrong_turn_order", message: "row 7: wrong turn order.", count: 2, rows: [7, 9] };
    expect(issueText(issue, "zh")).toContain("第 7 行：对话轮次顺序有误");
  });

  it("falls back to the server's message for a code it does not know", () => {
    expect(issueText({ code: "brand_new", message: "row 2: something new." }, "zh")).toBe("row 2: something new.");
  });
});
