/** Turning a trainer's params JSON schema (Pydantic v2) into form fields. */
import type { JsonSchema } from "../api/domain";

export type FieldKind = "number" | "integer" | "boolean" | "select" | "text" | "json";

export interface FieldSpec {
  name: string;
  label: string;
  help: string;
  kind: FieldKind;
  defaultValue: unknown;
  options: unknown[];
  nullable: boolean;
  min?: number;
  max?: number;
  required: boolean;
  advanced: boolean;
  /** Labels and help per language when the schema gives them (`x-label` / `x-help`). */
  labels: Record<string, string>;
  helps: Record<string, string>;
}

/** `x-label`-style annotations: a string (any language) or `{zh, en}`. */
function perLanguage(value: unknown): Record<string, string> {
  if (typeof value === "string") return { any: value };
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string"));
  }
  return {};
}

function deref(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop() ?? "";
    return { ...(root.$defs?.[name] ?? {}), ...schema, $ref: undefined };
  }
  if (schema.allOf?.length === 1) return { ...deref(schema.allOf[0], root), ...schema, allOf: undefined };
  return schema;
}

function kindOf(schema: JsonSchema): FieldKind {
  if (schema.enum) return "select";
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  if (type === "integer") return "integer";
  if (type === "number") return "number";
  if (type === "boolean") return "boolean";
  if (type === "string") return "text";
  return "json";
}

function humanize(name: string): string {
  return name.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
}

/** One field per property, in schema order; `advanced` from the schema or after the first few. */
export function fieldsFromSchema(root: JsonSchema, basicCount = 4): FieldSpec[] {
  const required = new Set(root.required ?? []);
  return Object.entries(root.properties ?? {}).map(([name, raw], index) => {
    let schema = deref(raw, root);
    let nullable = false;
    if (schema.anyOf) {
      const options = schema.anyOf.map((s) => deref(s, root));
      nullable = options.some((s) => s.type === "null");
      const main = options.find((s) => s.type !== "null") ?? {};
      schema = { ...main, ...schema, anyOf: undefined };
    }
    const flagged = schema.advanced ?? schema["x-advanced"];
    return {
      name,
      label: schema.title ?? humanize(name),
      help: schema.description ?? "",
      kind: kindOf(schema),
      defaultValue: schema.default,
      options: schema.enum ?? [],
      nullable,
      min: schema.minimum ?? schema.exclusiveMinimum,
      max: schema.maximum ?? schema.exclusiveMaximum,
      required: required.has(name),
      advanced: typeof flagged === "boolean" ? flagged : index >= basicCount,
      labels: perLanguage(schema["x-label"] ?? schema["x-labels"]),
      helps: perLanguage(schema["x-help"] ?? schema["x-helps"]),
    };
  });
}

/** The params to send: form values, with empty nullable fields as null and JSON fields parsed. */
export function paramsFromValues(fields: FieldSpec[], values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of fields) {
    let value = values[field.name];
    if (value === undefined) continue;
    if (field.kind === "json" && typeof value === "string") {
      try {
        value = value.trim() === "" ? null : JSON.parse(value);
      } catch {
        // keep the raw text: the server answers with a field error naming it
      }
    }
    if (value === "" && field.nullable) value = null;
    out[field.name] = value;
  }
  return out;
}

/** Initial form values: the trainer's defaults (JSON fields as text). */
export function initialValues(fields: FieldSpec[], defaults: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    fields.map((f) => {
      const value = defaults[f.name] ?? f.defaultValue;
      return [f.name, f.kind === "json" && value !== undefined ? JSON.stringify(value) : value];
    }),
  );
}

/** A value out of the field's range, as `{min, max}` to name in the message, or null. */
export function outOfRange(field: FieldSpec, value: unknown): { min?: number; max?: number } | null {
  if (typeof value !== "number") return null;
  if ((field.min !== undefined && value < field.min) || (field.max !== undefined && value > field.max)) {
    return { min: field.min, max: field.max };
  }
  return null;
}
