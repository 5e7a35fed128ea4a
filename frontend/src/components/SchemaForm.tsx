/** Form fields rendered from a params JSON schema: labels and help in the UI's language, defaults
 * filled, values out of range refused with a message (never silently clamped), advanced folded. */
import { Collapse, Form, Input, InputNumber, Select, Switch } from "antd";
import type { Rule } from "antd/es/form";
import { useTranslation } from "react-i18next";
import { lookup } from "../i18n/names";
import { outOfRange, type FieldSpec } from "../lib/schema";

function rangeText(t: (key: string, vars?: Record<string, unknown>) => string, field: FieldSpec): string {
  return t("common.range", { min: field.min ?? "−∞", max: field.max ?? "∞" });
}

function Field({ field }: { field: FieldSpec }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language === "en" ? "en" : "zh";
  const label = field.labels[lang] ?? lookup(lang, "params", field.name) ?? field.labels.any ?? field.label;
  // The schema's own description is English: shown in English only, unless the schema translates it.
  const help = field.helps[lang] ?? field.helps.any ?? (lang === "en" ? field.help : "");
  const rules: Rule[] = field.required && !field.nullable ? [{ required: true, message: t("common.required") }] : [];
  if (field.kind === "integer" || field.kind === "number") {
    rules.push({
      validator: (_, value: unknown) =>
        outOfRange(field, value)
          ? Promise.reject(new Error(t("common.outOfRange", { range: rangeText(t, field) })))
          : Promise.resolve(),
    });
  }
  const common = { name: field.name, label, tooltip: help || undefined, extra: help || undefined, rules };
  switch (field.kind) {
    case "boolean":
      return <Form.Item {...common} valuePropName="checked"><Switch /></Form.Item>;
    case "select":
      return (
        <Form.Item {...common}>
          <Select allowClear={field.nullable} options={field.options.map((o) => ({ value: o as string, label: lookup(lang, "paramValues", String(o)) ?? String(o) }))} />
        </Form.Item>
      );
    case "integer":
    case "number":
      return (
        <Form.Item {...common} extra={[help, field.min !== undefined || field.max !== undefined ? rangeText(t, field) : ""].filter(Boolean).join(" · ") || undefined}>
          <InputNumber style={{ width: 200 }} step={field.kind === "integer" ? 1 : undefined} precision={field.kind === "integer" ? 0 : undefined} />
        </Form.Item>
      );
    case "text":
      return <Form.Item {...common}><Input /></Form.Item>;
    default:
      return <Form.Item {...common}><Input.TextArea autoSize placeholder="JSON" /></Form.Item>;
  }
}

export function SchemaFields({ fields }: { fields: FieldSpec[] }) {
  const { t } = useTranslation();
  const basic = fields.filter((f) => !f.advanced);
  const advanced = fields.filter((f) => f.advanced);
  return (
    <>
      {basic.map((f) => <Field key={f.name} field={f} />)}
      {advanced.length > 0 && (
        <Collapse
          ghost
          items={[{ key: "advanced", label: `${t("jobs.advanced")} (${advanced.length})`, forceRender: true, children: advanced.map((f) => <Field key={f.name} field={f} />) }]}
        />
      )}
    </>
  );
}
