/** Validate a dataset for a chosen task type and column mapping; shows the report. */
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Descriptions, Form, List, Select, Space, Tag } from "antd";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import type { Dataset } from "../api/domain";
import { TASK_TYPES, mappingFor, type MappingValues } from "../lib/tasks";
import { errorText } from "../api/errorText";

export function ValidationPanel({ dataset }: { dataset: Dataset }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<MappingValues & { task_type: string }>();
  const taskType = Form.useWatch("task_type", form) ?? "tabular_classification";
  const options = dataset.columns.map((c) => ({ value: c.name, label: `${c.name} (${c.dtype})` }));
  const run = useMutation({
    mutationFn: (v: MappingValues & { task_type: string }) =>
      unwrap(api.POST("/api/v1/datasets/{dataset_id}/validate", { params: { path: { dataset_id: dataset.id } }, body: {
        task_type: v.task_type,
        columns: mappingFor(v.task_type, v),
      } })),
  });
  const report = run.data;
  const isText = taskType === "text_classification";
  const issues = [
    ...(report?.errors ?? []).map((i) => ({ ...i, level: "error" as const })),
    ...(report?.warnings ?? []).map((i) => ({ ...i, level: "warning" as const })),
  ];

  return (
    <div>
      <Form form={form} layout="inline" initialValues={{ task_type: "tabular_classification" }} onFinish={(v) => run.mutate(v)}>
        <Form.Item name="task_type" label={t("datasets.taskType")}>
          <Select style={{ width: 200 }} options={TASK_TYPES.map((v) => ({ value: v, label: t(`tasks.${v}`) }))} />
        </Form.Item>
        {isText ? (
          <>
            <Form.Item name="text" label={t("jobs.textColumn")} rules={[{ required: true }]}>
              <Select style={{ width: 160 }} options={options} />
            </Form.Item>
            <Form.Item name="label" label={t("jobs.targetColumn")} rules={[{ required: true }]}>
              <Select style={{ width: 160 }} options={options} />
            </Form.Item>
          </>
        ) : (
          <Form.Item name="target" label={t("jobs.targetColumn")} rules={[{ required: true }]}>
            <Select style={{ width: 180 }} options={options} />
          </Form.Item>
        )}
        <Button type="primary" htmlType="submit" loading={run.isPending}>{t("datasets.runValidation")}</Button>
      </Form>
      {run.error && <Alert style={{ marginTop: 12 }} type="error" showIcon title={errorText(run.error)} />}
      {report && (
        <Space orientation="vertical" style={{ width: "100%", marginTop: 16 }} data-testid="validation-report">
          <Tag color={report.ok ? "success" : "error"}>{report.ok ? t("datasets.valid") : t("datasets.invalid")}</Tag>
          <Descriptions size="small" column={3} bordered>
            <Descriptions.Item label="rows_total">{report.rows_total}</Descriptions.Item>
            <Descriptions.Item label="rows_usable">{report.rows_usable}</Descriptions.Item>
            <Descriptions.Item label="rows_dropped">{report.rows_dropped}</Descriptions.Item>
          </Descriptions>
          {issues.length > 0 && (
            <List
              size="small"
              bordered
              dataSource={issues}
              renderItem={(i) => (
                <List.Item>
                  <Tag color={i.level === "error" ? "red" : "orange"}>{i.level === "error" ? t("datasets.errors") : t("datasets.warnings")}</Tag>
                  {i.message}
                  {i.rows?.length ? <span style={{ color: "#999" }}> · rows {i.rows.join(", ")}</span> : null}
                </List.Item>
              )}
            />
          )}
        </Space>
      )}
    </div>
  );
}
