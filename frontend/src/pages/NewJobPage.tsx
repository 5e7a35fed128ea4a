/** New training job as steps: dataset → task type → columns → parameters → review → submit.
 * The step lives in the URL (browser Back moves between steps); a refusal on submit is shown at
 * the step it belongs to; only ready datasets are offered. */
import { useMutation, useQuery } from "@tanstack/react-query";
import { Alert, App, Button, Card, Descriptions, Form, Input, Popconfirm, Radio, Select, Space, Steps, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { useTaskTypes } from "../hooks/useTaskTypes";
import { errorText, issueText } from "../api/errorText";
import { ApiError } from "../api/errors";
import { ColumnSelect } from "../components/ColumnSelect";
import { PageSkeleton } from "../components/PageSkeleton";
import { QueryError } from "../components/QueryError";
import { SchemaFields } from "../components/SchemaForm";
import { BaseModelPicker, ChatPreviewPanel } from "../components/llm/FinetuneData";
import { MemoryEstimatePanel, MemoryVerdict, useMemoryEstimate } from "../components/llm/MemoryEstimate";
import { useProject } from "../hooks/useProject";
import { useNames } from "../i18n/names";
import { isReady, pollWhileProcessing } from "../lib/datasets";
import { fieldsFromSchema, initialValues, paramsFromValues } from "../lib/schema";
import { memoryVerdict } from "../lib/llm";
import { labelRole, mappingFor, type MappingValues } from "../lib/tasks";

interface Choice {
  dataset_id?: string;
  task_type?: string;
  trainer?: string;
  name?: string;
}

/** The first validation error of a `dataset_invalid_for_task` answer, in the UI's language. */
function mappingProblem(err: ApiError): string {
  const details = err.details as { errors?: Record<string, unknown>[] } | null;
  const first = details?.errors?.[0];
  return first ? issueText(first) : errorText(err);
}

export function NewJobPage() {
  const { t, i18n } = useTranslation();
  const name = useNames();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [search, setSearch] = useSearchParams();
  const { project } = useProject();
  const projectId = project?.id ?? "";
  const [choice, setChoice] = useState<Choice>({ dataset_id: search.get("dataset") ?? undefined });
  const [mapping, setMapping] = useState<MappingValues>({});
  const [params, setParams] = useState<Record<string, unknown>>({});
  const [mappingError, setMappingError] = useState<string | null>(null);
  const [mappingForm] = Form.useForm<MappingValues>();
  const [paramsForm] = Form.useForm();
  const [datasetForm] = Form.useForm<Choice>();
  const asked = Number(search.get("step") ?? 0);
  // A reload mid-way has lost the earlier answers: start again from the first step.
  const step = asked > 0 && !choice.task_type && asked > 1 ? 0 : Math.min(Math.max(asked, 0), 4);
  const goTo = (next: number) => setSearch((prev) => { const q = new URLSearchParams(prev); q.set("step", String(next)); return q; });

  const datasets = useQuery({
    queryKey: ["datasets", projectId, "all"],
    enabled: !!projectId,
    queryFn: () => unwrap(api.GET("/api/v1/datasets", { params: { query: { project_id: projectId, limit: 500 } } })),
    refetchInterval: (query) => pollWhileProcessing(query.state.data?.items),
  });
  const taskTypes = useTaskTypes();

  const readyDatasets = (datasets.data?.items ?? []).filter(isReady);
  const dataset = readyDatasets.find((d) => d.id === choice.dataset_id);
  const pending = datasets.data?.items.find((d) => d.id === choice.dataset_id && !isReady(d));
  const converting = (datasets.data?.items ?? []).filter((d) => d.status === "processing" && d !== pending);
  const task = taskTypes.data?.find((tt) => tt.task_type === choice.task_type);
  const trainer = task?.trainers.find((tr) => tr.name === (choice.trainer ?? task.default_trainer));
  const fields = trainer ? fieldsFromSchema(trainer.params_schema) : [];
  const labelKey = labelRole(task);
  const isChat = choice.task_type === "llm_sft";
  const paramDefaults = { ...initialValues(fields, trainer?.defaults ?? {}), ...params };
  const [llmMapping, setLlmMapping] = useState<MappingValues>({});
  const [baseModel, setBaseModel] = useState<string>();
  const chosenBase = baseModel ?? (paramDefaults.base_model as string | undefined);
  const editedParams = (Form.useWatch([], paramsForm) as Record<string, unknown> | undefined) ?? {};
  const liveParams = step === 3 ? { ...paramDefaults, ...editedParams } : paramDefaults;
  const finalParams = paramsFromValues(fields, { ...liveParams, ...(isChat && chosenBase ? { base_model: chosenBase } : {}) });
  const memory = useMemoryEstimate(isChat && step >= 3 ? chosenBase : undefined, finalParams);

  // The dataset asked for in the URL was still converting: pick it once it is ready.
  const askedReadyId = step === 0 ? dataset?.id : undefined;
  useEffect(() => {
    if (askedReadyId && !datasetForm.getFieldValue("dataset_id")) datasetForm.setFieldValue("dataset_id", askedReadyId);
  }, [askedReadyId, datasetForm]);

  const submit = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/v1/jobs", { body: {
        project_id: projectId,
        name: choice.name || `${dataset?.name ?? ""} · ${t(`tasks.${choice.task_type}`)}`,
        task_type: choice.task_type ?? "",
        trainer: trainer?.name,
        dataset_id: choice.dataset_id ?? "",
        columns: mappingFor(task, mapping),
        params: finalParams,
      } })),
    onSuccess: (job) => {
      void message.success(t("jobs.submitted"));
      navigate(`/jobs/${job.id}`);
    },
    onError: (err) => {
      if (!(err instanceof ApiError)) return;
      if (err.code === "invalid_params") {
        goTo(3);
        const errors = err.fieldErrors();
        setTimeout(() => paramsForm.setFields(Object.entries(errors).map(([field, msg]) => ({ name: field.replace(/^params\./, "").split("."), errors: [msg] }))));
      } else if (err.code === "dataset_invalid_for_task" || err.code === "single_class") {
        const problem = err.code === "single_class" ? errorText(err) : mappingProblem(err);
        setMappingError(problem);
        goTo(2);
        setTimeout(() => mappingForm.setFields([{ name: labelKey, errors: [problem] }]));
      }
    },
  });

  if (datasets.isLoading || taskTypes.isLoading) return <PageSkeleton />;
  if (datasets.error || taskTypes.error) return <QueryError error={datasets.error ?? taskTypes.error} />;

  const steps = [t("jobs.dataset"), t("jobs.taskType"), t("jobs.mapping"), t("jobs.params"), t("jobs.review")];
  const trainerTitle = (tr?: { name: string; title: string }) => (tr ? name("trainers", tr.name, tr.title) : "");
  const back = (to: number) => <Button onClick={() => goTo(to)}>{t("common.prev")}</Button>;
  const next = <Button type="primary" htmlType="submit">{t("common.next")}</Button>;

  const stepBody = [
    <Form key="d" form={datasetForm} layout="vertical" initialValues={{ ...choice, dataset_id: dataset?.id }}
      onFinish={(v: Choice) => { setChoice({ ...choice, ...v }); goTo(1); }}>
      {pending?.status === "processing" && <Alert type="info" showIcon title={t("jobs.datasetProcessing", { name: pending.name })} style={{ marginBottom: 16 }} />}
      {pending?.status === "failed" && <Alert type="error" showIcon title={t("jobs.datasetFailed", { name: pending.name, message: pending.error ? name("errorCodes", pending.error.code, pending.error.message, pending.error.details as Record<string, unknown>) : "" })} style={{ marginBottom: 16 }} />}
      {converting.length > 0 && (
        <Alert type="info" showIcon title={t("jobs.datasetsProcessing", { names: converting.map((d) => d.name).join("、") })} style={{ marginBottom: 16 }} />
      )}
      <Form.Item name="dataset_id" label={t("jobs.selectDataset")} rules={[{ required: true, message: t("common.required") }]}>
        <Select showSearch={{ optionFilterProp: "label" }} data-testid="job-dataset" style={{ maxWidth: 560 }}
          options={readyDatasets.map((d) => ({ value: d.id, label: `${d.name} (${d.row_count} × ${d.columns.length})` }))} />
      </Form.Item>
      <Form.Item name="name" label={t("jobs.name")}><Input placeholder={dataset?.name} style={{ maxWidth: 560 }} /></Form.Item>
      {next}
    </Form>,
    <Form key="t" layout="vertical" initialValues={choice} onFinish={(v: Choice) => { setChoice({ ...choice, ...v, trainer: undefined }); setMappingError(null); goTo(2); }}>
      <Form.Item name="task_type" label={t("jobs.chooseTask")} rules={[{ required: true, message: t("common.required") }]}>
        <Radio.Group optionType="button" options={taskTypes.data?.map((tt) => ({ value: tt.task_type, label: t(`tasks.${tt.task_type}`, { defaultValue: tt.task_type }) }))} />
      </Form.Item>
      <Space>{back(0)}{next}</Space>
    </Form>,
    <Form key="m" form={mappingForm} layout="vertical" initialValues={mapping}
      onValuesChange={() => setMappingError(null)}
      onFinish={(v: MappingValues) => { if (isChat && !chosenBase) return; setMapping(v); goTo(3); }}>
      {mappingError && (
        <Alert type="error" showIcon data-testid="mapping-error" title={mappingError} description={isChat ? t("llm.fixRowsHint") : t("jobs.oneClassHint")} style={{ marginBottom: 16 }} />
      )}
      {isChat ? (
        <>
          <Form.Item label={t("llm.baseModel")} required>
            <BaseModelPicker value={chosenBase} onChange={setBaseModel} />
          </Form.Item>
          <Typography.Paragraph type="secondary">{t("llm.mappingHint")}</Typography.Paragraph>
          <Space wrap>
            {(["prompt", "response", "system"] as const).map((role) => {
              const spec = task?.column_roles.find((c) => c.name === role);
              return (
                <Form.Item key={role} name={role} label={spec ? spec.label[i18n.language === "en" ? "en" : "zh"] : role}>
                  <ColumnSelect dataset={dataset} allowClear onChange={(value: string | undefined) => setLlmMapping({ ...llmMapping, [role]: value })} />
                </Form.Item>
              );
            })}
          </Space>
          <ChatPreviewPanel datasetId={choice.dataset_id ?? ""} baseModel={chosenBase} columns={mappingFor(task, { ...mapping, ...llmMapping })}
            maxSeqLength={Number(paramDefaults.max_seq_length ?? 512)} />
        </>
      ) : labelKey === "label" ? (
        <>
          <Form.Item name="text" label={t("jobs.textColumn")} rules={[{ required: true, message: t("common.required") }]}><ColumnSelect dataset={dataset} /></Form.Item>
          <Form.Item name="label" label={t("jobs.targetColumn")} rules={[{ required: true, message: t("common.required") }]}><ColumnSelect dataset={dataset} /></Form.Item>
        </>
      ) : (
        <>
          <Form.Item name="target" label={t("jobs.targetColumn")} rules={[{ required: true, message: t("common.required") }]}><ColumnSelect dataset={dataset} data-testid="job-target" /></Form.Item>
          <Form.Item name="features" label={t("jobs.featureColumns")}><ColumnSelect dataset={dataset} mode="multiple" allowClear style={{ width: "100%" }} /></Form.Item>
        </>
      )}
      <Space>{back(1)}{next}</Space>
    </Form>,
    <Form key={`p-${trainer?.name}`} form={paramsForm} layout="vertical" style={{ maxWidth: 560 }}
      initialValues={{ ...initialValues(fields, trainer?.defaults ?? {}), ...params }}
      onFinish={(v) => { setParams(v); goTo(4); }}>
      {task && task.trainers.length > 1 && (
        <Form.Item label={t("jobs.trainer")}>
          <Select value={trainer?.name} onChange={(value: string) => { setChoice({ ...choice, trainer: value }); setParams({}); }}
            options={task.trainers.map((tr) => ({ value: tr.name, label: trainerTitle(tr), disabled: !tr.available }))} />
        </Form.Item>
      )}
      {isChat && <MemoryEstimatePanel baseModel={chosenBase} params={finalParams} />}
      <SchemaFields fields={isChat ? fields.filter((f) => f.name !== "base_model") : fields} />
      <Space>{back(2)}{next}</Space>
    </Form>,
    <div key="r">
      <Descriptions bordered size="small" column={1} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t("jobs.dataset")}>{dataset?.name}</Descriptions.Item>
        <Descriptions.Item label={t("jobs.taskType")}>{t(`tasks.${choice.task_type}`, { defaultValue: choice.task_type })}</Descriptions.Item>
        <Descriptions.Item label={t("jobs.trainer")}>{trainerTitle(trainer)}</Descriptions.Item>
        {Object.entries(mappingFor(task, mapping)).map(([role, value]) => (
          <Descriptions.Item key={role} label={role === "features" ? t("jobs.featureColumns") : role === "text" ? t("jobs.textColumn") : t("jobs.targetColumn")}>
            {Array.isArray(value) ? value.join("、") : value === null ? t("common.all") : String(value ?? "—")}
          </Descriptions.Item>
        ))}
        <Descriptions.Item label={t("jobs.params")}>
          <Typography.Text code>{JSON.stringify(finalParams)}</Typography.Text>
        </Descriptions.Item>
      </Descriptions>
      {isChat && memory.data && <div style={{ marginBottom: 16 }}><MemoryVerdict estimate={memory.data} /></div>}
      {submit.error && <Alert type="error" showIcon title={errorText(submit.error)} style={{ marginBottom: 16 }} />}
      <Space>
        {back(3)}
        {isChat && memory.data && memoryVerdict(memory.data) === "over" ? (
          <Popconfirm title={t("llm.submitOverMemory")} onConfirm={() => submit.mutate()}>
            <Button type="primary" danger loading={submit.isPending} data-testid="job-submit">{t("common.submit")}</Button>
          </Popconfirm>
        ) : (
          <Button type="primary" loading={submit.isPending} onClick={() => submit.mutate()} data-testid="job-submit">{t("common.submit")}</Button>
        )}
      </Space>
    </div>,
  ];

  return (
    <Card title={t("jobs.new")}>
      <Steps current={step} items={steps.map((title) => ({ title }))} style={{ marginBottom: 24 }} />
      {stepBody[step]}
    </Card>
  );
}
