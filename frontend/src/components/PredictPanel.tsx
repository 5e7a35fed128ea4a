/** "Try it": enter one row's inputs, see the model's prediction and class probabilities. */
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Descriptions, Form, Input, Progress } from "antd";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import type { ModelVersion } from "../api/domain";
import { inputColumns } from "../lib/models";
import { errorText } from "../api/errorText";
import { useTaskTypes } from "../hooks/useTaskTypes";

/** A typed value from a text box: numbers as numbers, empty as null. */
export function coerce(value: unknown): unknown {
  if (typeof value !== "string") return value ?? null;
  const trimmed = value.trim();
  if (trimmed === "") return null;
  const n = Number(trimmed);
  return Number.isFinite(n) && /^-?[\d.]+(e-?\d+)?$/i.test(trimmed) ? n : value;
}

export function PredictPanel({ model }: { model: ModelVersion }) {
  const { t } = useTranslation();
  const columns = inputColumns(model);
  // Tasks whose rows may be plain text (the registry's predict input) get a text area, sent as is.
  const task = useTaskTypes().data?.find((tt) => tt.task_type === model.task_type);
  const isText = task?.predict_input.plain_text ?? false;
  const predict = useMutation({
    mutationFn: (values: Record<string, unknown>) =>
      unwrap(api.POST("/api/v1/models/{model_id}/predict", { params: { path: { model_id: model.id } }, body: {
        inputs: [Object.fromEntries(columns.map((c) => [c, isText ? values[c] : coerce(values[c])]))],
      } })),
  });
  const result = predict.data?.predictions[0];
  const probabilities = (result?.probabilities ?? result?.proba) as Record<string, number> | undefined;

  return (
    <div data-testid="predict-panel">
      <Form layout="vertical" onFinish={(v) => predict.mutate(v)}>
        {columns.map((c) => (
          <Form.Item key={c} name={c} label={c}>
            {isText ? <Input.TextArea rows={3} /> : <Input />}
          </Form.Item>
        ))}
        <Button type="primary" htmlType="submit" loading={predict.isPending} data-testid="predict-submit">{t("models.predict")}</Button>
      </Form>
      {predict.error && <Alert style={{ marginTop: 12 }} type="error" showIcon title={errorText(predict.error)} role="alert" />}
      {result && (
        <Descriptions style={{ marginTop: 16 }} bordered size="small" column={1} data-testid="prediction-result">
          {Object.entries(result).filter(([k]) => k !== "probabilities" && k !== "proba").map(([k, v]) => (
            <Descriptions.Item key={k} label={k === "label" || k === "value" ? t("models.prediction") : k}>{typeof v === "object" ? JSON.stringify(v) : String(v)}</Descriptions.Item>
          ))}
          {probabilities && Object.entries(probabilities).map(([label, p]) => (
            <Descriptions.Item key={`p-${label}`} label={`${t("models.probability")} · ${label}`}>
              <Progress percent={Math.round(p * 1000) / 10} size="small" />
            </Descriptions.Item>
          ))}
        </Descriptions>
      )}
    </div>
  );
}
