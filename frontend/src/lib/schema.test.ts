import { describe, expect, it } from "vitest";
import type { JsonSchema } from "../api/domain";
import { fieldsFromSchema, initialValues, paramsFromValues } from "./schema";

// The shape Pydantic v2 produces for a trainer's Params model.
const schema: JsonSchema = {
  title: "Params",
  type: "object",
  additionalProperties: false,
  $defs: { Objective: { enum: ["gbdt", "dart"], title: "Objective", type: "string" } },
  properties: {
    num_boost_round: { type: "integer", minimum: 1, maximum: 5000, default: 200, description: "Boosting rounds." },
    learning_rate: { type: "number", exclusiveMinimum: 0, default: 0.1, title: "Learning rate" },
    early_stopping: { type: "boolean", default: true },
    boosting: { $ref: "#/$defs/Objective", default: "gbdt" },
    max_depth: { anyOf: [{ type: "integer" }, { type: "null" }], default: null, description: "None = unlimited." },
    class_weight: { anyOf: [{ type: "object" }, { type: "null" }], default: null },
  },
};

describe("fieldsFromSchema", () => {
  const fields = fieldsFromSchema(schema);
  const byName = Object.fromEntries(fields.map((f) => [f.name, f]));

  it("maps JSON types to widgets, with limits, help text and labels", () => {
    expect(byName.num_boost_round).toMatchObject({ kind: "integer", min: 1, max: 5000, help: "Boosting rounds.", label: "Num boost round" });
    expect(byName.learning_rate).toMatchObject({ kind: "number", min: 0, label: "Learning rate" });
    expect(byName.early_stopping.kind).toBe("boolean");
  });

  it("resolves $ref enums to selects and anyOf-null to nullable fields", () => {
    expect(byName.boosting).toMatchObject({ kind: "select", options: ["gbdt", "dart"], defaultValue: "gbdt" });
    expect(byName.max_depth).toMatchObject({ kind: "integer", nullable: true });
    expect(byName.class_weight).toMatchObject({ kind: "json", nullable: true });
  });

  it("folds fields after the first four into advanced", () => {
    expect(fields.filter((f) => f.advanced).map((f) => f.name)).toEqual(["max_depth", "class_weight"]);
  });

  it("fills defaults and converts values back to params", () => {
    const initial = initialValues(fields, { num_boost_round: 300, class_weight: { a: 2 } });
    expect(initial).toMatchObject({ num_boost_round: 300, learning_rate: 0.1, class_weight: '{"a":2}' });
    expect(paramsFromValues(fields, { ...initial, max_depth: "", class_weight: '{"a":3}' })).toMatchObject({
      num_boost_round: 300,
      max_depth: null,
      class_weight: { a: 3 },
    });
  });
});
