import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Button, Form } from "antd";
import { describe, expect, it, vi } from "vitest";
import { setLanguage } from "../i18n";
import { fieldsFromSchema, initialValues, paramsFromValues } from "../lib/schema";
import { SchemaFields } from "./SchemaForm";

const schema = {
  properties: {
    num_boost_round: { type: "integer", default: 200, minimum: 1, maximum: 5000, description: "Boosting rounds." },
    learning_rate: { type: "number", default: 0.1, "x-label": { zh: "学习速率", en: "Step size" }, "x-help": { zh: "每轮的收缩", en: "Shrinkage." } },
    early_stopping: { type: "boolean", default: true },
    objective: { enum: ["binary", "multiclass"], type: "string", default: "binary" },
    num_leaves: { type: "integer", default: 31, description: "Leaves per tree." },
  },
};

function renderForm(onFinish: (params: Record<string, unknown>) => void) {
  const fields = fieldsFromSchema(schema);
  render(
    <Form initialValues={initialValues(fields, {})} onFinish={(v) => onFinish(paramsFromValues(fields, v))}>
      <SchemaFields fields={fields} />
      <Button htmlType="submit">go</Button>
    </Form>,
  );
}

describe("SchemaFields", () => {
  it("renders defaults with Chinese labels, folds advanced fields, and submits typed params", async () => {
    const onFinish = vi.fn();
    renderForm(onFinish);
    expect(screen.getByLabelText("Num boost round")).toHaveValue("200");
    // the schema's x-label / x-help in the UI's language; English-only help is not shown in Chinese
    expect(screen.getByLabelText("学习速率")).toHaveValue("0.1");
    expect(screen.getByText("每轮的收缩")).toBeInTheDocument();
    expect(screen.queryByText(/Boosting rounds/)).toBeNull();
    expect(screen.getByRole("switch")).toBeChecked();
    const advanced = screen.getByText(/高级参数 \(1\)/);
    await userEvent.click(advanced);
    const leaves = await screen.findByLabelText("叶子数");
    await userEvent.clear(leaves);
    await userEvent.type(leaves, "63");
    const rounds = screen.getByLabelText("Num boost round");
    await userEvent.clear(rounds);
    await userEvent.type(rounds, "50");
    await userEvent.click(screen.getByText("go"));
    await vi.waitFor(() => expect(onFinish).toHaveBeenCalled());
    expect(onFinish.mock.calls[0][0]).toEqual({
      num_boost_round: 50, learning_rate: 0.1, early_stopping: true, objective: "binary", num_leaves: 63,
    });
  });

  it("refuses a value out of range with a message instead of clamping it", async () => {
    const onFinish = vi.fn();
    renderForm(onFinish);
    const rounds = screen.getByLabelText("Num boost round");
    await userEvent.clear(rounds);
    await userEvent.type(rounds, "9000");
    await userEvent.click(screen.getByText("go"));
    expect(await screen.findByText("超出允许范围：取值范围 1 – 5000")).toBeInTheDocument();
    expect(rounds).toHaveValue("9000");
    expect(onFinish).not.toHaveBeenCalled();
  });

  it("shows the English label and help in English", () => {
    setLanguage("en");
    renderForm(vi.fn());
    expect(screen.getByLabelText("Step size")).toBeInTheDocument();
    expect(screen.getByText("Boosting rounds. · range 1 – 5000")).toBeInTheDocument();
    setLanguage("zh");
  });
});
