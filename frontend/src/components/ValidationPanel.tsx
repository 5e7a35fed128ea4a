/** Validate a dataset for a task type and column mapping (both from the task-type registry);
 * the report with its counts, issues and classes in the UI's language. */
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Descriptions, Form, List, Select, Space, Tag } from "antd";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { useTaskTypes } from "../hooks/useTaskTypes";
import type { Dataset } from "../api/domain";
import { errorText, issueText } from "../api/errorText";
import { labelRole, mappingFor, type MappingValues } from "../lib/tasks";
import { ColumnSelect } from "./ColumnSelect";

type Values = MappingValues & { task_type: string };

export function ValidationPanel({ dataset }: { dataset: Dataset }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const taskTypes = useTaskTypes();
  const first = taskTypes.data?.[0]?.task_type;
  const taskType = Form.useWatch("task_type", form) ?? first;
  const task = taskTypes.data?.find((tt) => tt.task_type === taskType);
  const run = useMutation({
    mutationFn: (v: Values) =>
      unwrap(api.POST("/api/v1/datasets/{dataset_id}/validate", { params: { path: { dataset_id: dataset.id } }, body: {
        task_type: v.task_type ?? first ?? "",
        columns: mappingFor(task, v),
      } })),
  });
  const report = run.data;
  const issues = [
    ...(report?.errors ?? []).map((i) => ({ ...i, level: "error" as const })),
    ...(report?.warnings ?? []).map((i) => ({ ...i, level: "warning" as const })),
  ];
  const required = [{ required: true, message: t("common.required") }];

  return (
    <div>
      <Form form={form} layout="inline" initialValues={{ task_type: first }} onFinish={(v) => run.mutate(v)}>
        <Form.Item name="task_type" label={t("datasets.taskType")}>
          <Select style={{ width: 200 }} options={(taskTypes.data ?? []).map((tt) => ({ value: tt.task_type, label: t(`tasks.${tt.task_type}`, { defaultValue: tt.task_type }) }))} />
        </Form.Item>
        {labelRole(task) === "label" && (
          <Form.Item name="text" label={t("jobs.textColumn")} rules={required}><ColumnSelect dataset={dataset} style={{ minWidth: 220 }} /></Form.Item>
        )}
        <Form.Item name={labelRole(task)} label={t("jobs.targetColumn")} rules={required}>
          <ColumnSelect dataset={dataset} style={{ minWidth: 220 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={run.isPending}>{t("datasets.runValidation")}</Button>
      </Form>
      {run.error && <Alert style={{ marginTop: 12 }} type="error" showIcon title={errorText(run.error)} />}
      {report && (
        <Space orientation="vertical" style={{ width: "100%", marginTop: 16 }} data-testid="validation-report">
          <Tag color={report.ok ? "success" : "error"}>{report.ok ? t("datasets.valid") : t("datasets.invalid")}</Tag>
          <Descriptions size="small" column={3} bordered>
            <Descriptions.Item label={t("datasets.rowsTotal")}>{report.rows_total}</Descriptions.Item>
            <Descriptions.Item label={t("datasets.rowsUsable")}>{report.rows_usable}</Descriptions.Item>
            <Descriptions.Item label={t("datasets.rowsDropped")}>{report.rows_dropped}</Descriptions.Item>
            {report.class_counts && (
              <Descriptions.Item label={t("datasets.classCounts")} span={3}>
                {Object.entries(report.class_counts).map(([label, count]) => <Tag key={label}>{`${label}: ${count}`}</Tag>)}
              </Descriptions.Item>
            )}
          </Descriptions>
          {issues.length > 0 && (
            <List
              size="small"
              bordered
              dataSource={issues}
              renderItem={(i) => (
                <List.Item>
                  <Tag color={i.level === "error" ? "red" : "orange"}>{i.level === "error" ? t("datasets.errors") : t("datasets.warnings")}</Tag>
                  {issueText(i)}
                  {i.rows?.length ? <span style={{ color: "#999" }}>{` · ${t("datasets.sampleRows", { rows: i.rows.join(", ") })}`}</span> : null}
                </List.Item>
              )}
            />
          )}
        </Space>
      )}
    </div>
  );
}
