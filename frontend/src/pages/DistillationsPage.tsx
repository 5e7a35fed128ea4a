/** Distillations of the current project, and the form that starts one. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Empty, Form, Input, Modal, Select, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { QueryError } from "../components/QueryError";
import { useProject } from "../hooks/useProject";
import { useTaskTypes } from "../hooks/useTaskTypes";
import { useNames } from "../i18n/names";
import { applyFieldErrors } from "../lib/forms";
import { formatTime } from "../lib/format";

type Summary = components["schemas"]["DistillationSummary"];
type NewDistillation = components["schemas"]["DistillationCreate"] & { trainer?: string };

export const DISTILL_STATUS_COLORS: Record<string, string> = { training: "processing", evaluating: "processing", succeeded: "success", failed: "error" };

export function DistillationsPage() {
  const { t } = useTranslation();
  const name = useNames();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { message } = App.useApp();
  const { project } = useProject();
  const projectId = project?.id ?? "";
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<NewDistillation>();
  const goldId = Form.useWatch("gold_dataset_id", form);
  const taskTypes = useTaskTypes();
  const trainers = taskTypes.data?.find((task) => task.task_type === "text_classification")?.trainers ?? [];
  const list = useQuery({
    queryKey: ["distillations", projectId],
    enabled: !!projectId,
    queryFn: () => unwrap(api.GET("/api/v1/distillations", { params: { query: { project_id: projectId, limit: 100 } } })),
  });
  const datasets = useQuery({
    queryKey: ["datasets", projectId, "all"],
    enabled: creating && !!projectId,
    queryFn: () => unwrap(api.GET("/api/v1/datasets", { params: { query: { project_id: projectId, limit: 500 } } })),
  });
  const gold = datasets.data?.items.find((d) => d.id === goldId);
  const columnOptions = (gold?.columns ?? []).map((c) => ({ value: c.name, label: c.name }));
  const create = useMutation({
    mutationFn: ({ trainer, ...body }: NewDistillation) =>
      unwrap(api.POST("/api/v1/distillations", { body: { ...body, student: { task_type: "text_classification", trainer: trainer ?? "tfidf_linear" } } })),
    onSuccess: async (created) => {
      setCreating(false);
      await queryClient.invalidateQueries({ queryKey: ["distillations"] });
      void navigate(`/distillations/${created.id}`);
    },
    onError: (err) => applyFieldErrors(form, err, message),
  });

  return (
    <Card title={t("distill.title")} extra={<Button type="primary" onClick={() => setCreating(true)} data-testid="create-distillation">{t("distill.create")}</Button>}>
      {list.error && <QueryError error={list.error} onRetry={() => void list.refetch()} />}
      <Table<Summary>
        rowKey="id"
        loading={list.isLoading}
        dataSource={list.data?.items}
        pagination={false}
        locale={{ emptyText: <Empty description={t("distill.empty")} /> }}
        columns={[
          { title: t("distill.name"), dataIndex: "name", render: (value: string, d) => <Link to={`/distillations/${d.id}`}>{value}</Link> },
          { title: t("common.status"), dataIndex: "status", render: (s: string) => <Tag color={DISTILL_STATUS_COLORS[s]}>{t(`distill.status.${s}`)}</Tag> },
          { title: t("common.createdAt"), dataIndex: "created_at", render: formatTime },
        ]}
      />
      <Modal open={creating} title={t("distill.create")} onCancel={() => setCreating(false)} onOk={() => form.submit()} confirmLoading={create.isPending} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)} initialValues={{ trainer: "tfidf_linear" }}>
          <Form.Item name="name" label={t("distill.name")} rules={[{ required: true, message: t("common.required") }]}><Input /></Form.Item>
          <Form.Item name="labeling_run_id" label={t("distill.run")} extra={t("distill.runHelp")} rules={[{ required: true, message: t("common.required") }]}><Input /></Form.Item>
          <Form.Item name="trainer" label={t("distill.trainer")}>
            <Select options={trainers.map((tr) => ({ value: tr.name, label: name("trainers", tr.name) }))} />
          </Form.Item>
          <Form.Item name="gold_dataset_id" label={t("distill.gold")} rules={[{ required: true, message: t("common.required") }]}>
            <Select loading={datasets.isLoading} options={(datasets.data?.items ?? []).map((d) => ({ value: d.id, label: d.name }))} />
          </Form.Item>
          <Form.Item name="gold_text_column" label={t("distill.goldText")} rules={[{ required: true, message: t("common.required") }]}><Select options={columnOptions} /></Form.Item>
          <Form.Item name="gold_label_column" label={t("distill.goldLabel")} rules={[{ required: true, message: t("common.required") }]}><Select options={columnOptions} /></Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
