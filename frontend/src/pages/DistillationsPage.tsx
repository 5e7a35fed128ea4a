/** Distillations of the current project, and the form that starts one: the student is a text
 * classifier or an LLM fine-tuned with LoRA on a local base model to answer with the label. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Empty, Form, Input, Modal, Radio, Select, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { QueryError } from "../components/QueryError";
import { SchemaFields } from "../components/SchemaForm";
import { BaseModelPicker } from "../components/llm/FinetuneData";
import { useProject } from "../hooks/useProject";
import { useTaskTypes } from "../hooks/useTaskTypes";
import { useNames } from "../i18n/names";
import { applyFieldErrors } from "../lib/forms";
import { formatTime } from "../lib/format";
import { fieldsFromSchema, initialValues, paramsFromValues } from "../lib/schema";

type Summary = components["schemas"]["DistillationSummary"];
type StudentKind = "classifier" | "llm";
type NewDistillation = Omit<components["schemas"]["DistillationCreate"], "student"> & {
  kind: StudentKind;
  trainer?: string;
  base_model?: string;
} & Record<string, unknown>;

/** The LoRA settings the form offers (the rest keep the trainer's defaults). */
export const LLM_STUDENT_PARAMS = ["epochs", "learning_rate", "lora_r", "max_seq_length"];
/** Server field errors about the student, shown at the form field they concern. */
const STUDENT_FIELDS = { "student.params.base_model": "base_model", "student.trainer": "trainer" };

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
  const sft = taskTypes.data?.find((task) => task.task_type === "llm_sft")?.trainers.find((tr) => tr.name === "lora_sft");
  const llmFields = sft
    ? fieldsFromSchema(sft.params_schema).filter((f) => LLM_STUDENT_PARAMS.includes(f.name)).map((f) => ({ ...f, advanced: false }))
    : [];
  const kind = Form.useWatch("kind", form) ?? "classifier";
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
  // Only a succeeded classify run can be distilled.
  const runs = useQuery({
    queryKey: ["labeling-runs", projectId, "succeeded"],
    enabled: creating && !!projectId,
    queryFn: () => unwrap(api.GET("/api/v1/labeling-runs", { params: { query: { project_id: projectId, status: "succeeded", limit: 500 } } })),
  });
  const runOptions = (runs.data?.items ?? [])
    .filter((run) => run.task.kind === "classify")
    .map((run) => ({ value: run.id, label: `${run.name} · ${formatTime(run.created_at)}` }));
  const gold = datasets.data?.items.find((d) => d.id === goldId);
  const columnOptions = (gold?.columns ?? []).map((c) => ({ value: c.name, label: c.name }));
  const create = useMutation({
    mutationFn: (values: NewDistillation) => {
      const { name, labeling_run_id, gold_dataset_id, gold_text_column, gold_label_column } = values;
      const student =
        values.kind === "llm"
          ? { task_type: "llm_sft" as const, trainer: "lora_sft", params: { ...paramsFromValues(llmFields, values), base_model: values.base_model } }
          : { task_type: "text_classification" as const, trainer: values.trainer ?? "tfidf_linear" };
      return unwrap(api.POST("/api/v1/distillations", { body: { name, labeling_run_id, gold_dataset_id, gold_text_column, gold_label_column, student } }));
    },
    onSuccess: async (created) => {
      setCreating(false);
      await queryClient.invalidateQueries({ queryKey: ["distillations"] });
      void navigate(`/distillations/${created.id}`);
    },
    onError: (err) => applyFieldErrors(form, err, message, STUDENT_FIELDS),
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
        <Form
          form={form}
          layout="vertical"
          onFinish={(v) => create.mutate(v)}
          initialValues={{ kind: "classifier", trainer: "tfidf_linear", ...initialValues(llmFields, sft?.defaults ?? {}), base_model: undefined }}
        >
          <Form.Item name="name" label={t("distill.name")} rules={[{ required: true, message: t("common.required") }]}><Input data-testid="distill-name" /></Form.Item>
          <Form.Item name="labeling_run_id" label={t("distill.run")} extra={t("distill.runHelp")} rules={[{ required: true, message: t("common.required") }]}>
            <Select data-testid="distill-run" showSearch={{ optionFilterProp: "label" }} loading={runs.isLoading} options={runOptions} />
          </Form.Item>
          <Form.Item name="kind" label={t("distill.studentKind")} extra={t(kind === "llm" ? "distill.llmHelp" : "distill.classifierHelp")}>
            <Radio.Group
              optionType="button"
              data-testid="student-kind"
              options={[
                { value: "classifier", label: t("distill.kinds.classifier") },
                { value: "llm", label: t("distill.kinds.llm") },
              ]}
            />
          </Form.Item>
          {kind === "llm" ? (
            <>
              <Form.Item name="base_model" label={t("distill.baseModel")} extra={t("distill.baseModelHelp")} rules={[{ required: true, message: t("common.required") }]}>
                <BaseModelPicker />
              </Form.Item>
              <SchemaFields fields={llmFields} />
            </>
          ) : (
            <Form.Item name="trainer" label={t("distill.trainer")}>
              <Select options={trainers.map((tr) => ({ value: tr.name, label: name("trainers", tr.name) }))} />
            </Form.Item>
          )}
          <Form.Item name="gold_dataset_id" label={t("distill.gold")} rules={[{ required: true, message: t("common.required") }]}>
            <Select data-testid="distill-gold" loading={datasets.isLoading} options={(datasets.data?.items ?? []).map((d) => ({ value: d.id, label: d.name }))} />
          </Form.Item>
          <Form.Item name="gold_text_column" label={t("distill.goldText")} rules={[{ required: true, message: t("common.required") }]}><Select data-testid="distill-gold-text" options={columnOptions} /></Form.Item>
          <Form.Item name="gold_label_column" label={t("distill.goldLabel")} rules={[{ required: true, message: t("common.required") }]}><Select data-testid="distill-gold-label" options={columnOptions} /></Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
