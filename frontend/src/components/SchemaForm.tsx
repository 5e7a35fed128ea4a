/** Form fields rendered from a params JSON schema: defaults filled, help text, advanced folded. */
import { Collapse, Form, Input, InputNumber, Select, Switch } from "antd";
import { useTranslation } from "react-i18next";
import type { FieldSpec } from "../lib/schema";

function Field({ field }: { field: FieldSpec }) {
  const rules = field.required && !field.nullable ? [{ required: true }] : [];
  const common = { name: field.name, label: field.label, tooltip: field.help || undefined, extra: field.help || undefined, rules };
  switch (field.kind) {
    case "boolean":
      return <Form.Item {...common} valuePropName="checked"><Switch /></Form.Item>;
    case "select":
      return (
        <Form.Item {...common}>
          <Select allowClear={field.nullable} options={field.options.map((o) => ({ value: o as string, label: String(o) }))} />
        </Form.Item>
      );
    case "integer":
    case "number":
      return (
        <Form.Item {...common}>
          <InputNumber style={{ width: 200 }} min={field.min} max={field.max} step={field.kind === "integer" ? 1 : undefined} precision={field.kind === "integer" ? 0 : undefined} />
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
