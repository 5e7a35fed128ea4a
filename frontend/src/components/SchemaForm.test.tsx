import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Button, Form } from "antd";
import { describe, expect, it, vi } from "vitest";
import { fieldsFromSchema, initialValues, paramsFromValues } from "../lib/schema";
import { SchemaFields } from "./SchemaForm";

const schema = {
  properties: {
    num_boost_round: { type: "integer", default: 200, minimum: 1, description: "Boosting rounds." },
    learning_rate: { type: "number", default: 0.1 },
    early_stopping: { type: "boolean", default: true },
    objective: { enum: ["binary", "multiclass"], type: "string", default: "binary" },
    num_leaves: { type: "integer", default: 31, description: "Leaves per tree." },
  },
};

describe("SchemaFields", () => {
  it("renders defaults and help text, folds advanced fields, and submits typed params", async () => {
    const fields = fieldsFromSchema(schema);
    const onFinish = vi.fn();
    render(
      <Form initialValues={initialValues(fields, {})} onFinish={(v) => onFinish(paramsFromValues(fields, v))}>
        <SchemaFields fields={fields} />
        <Button htmlType="submit">go</Button>
      </Form>,
    );
    expect(screen.getByLabelText("Num boost round")).toHaveValue("200");
    expect(screen.getByText("Boosting rounds.")).toBeInTheDocument();
    expect(screen.getByRole("switch")).toBeChecked();
    const advanced = screen.getByText(/高级参数 \(1\)/);
    expect(advanced).toBeInTheDocument();
    await userEvent.click(advanced);
    const leaves = await screen.findByLabelText("Num leaves");
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
});
