/** New training job as steps: dataset → task type → columns → parameters → review → submit.
 * Only ready datasets are offered; the list refreshes while some are still being converted. */
import { useMutation, useQuery } from "@tanstack/react-query";
import { Alert, App, Button, Card, Descriptions, Form, Input, Radio, Select, Space, Steps, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { TaskTypeInfo } from "../api/domain";
import { ApiError } from "../api/errors";
import { PageSkeleton } from "../components/PageSkeleton";
import { QueryError } from "../components/QueryError";
import { SchemaFields } from "../components/SchemaForm";
import { useProject } from "../hooks/useProject";
import { isReady, pollWhileProcessing } from "../lib/datasets";
import { fieldsFromSchema, initialValues, paramsFromValues } from "../lib/schema";
import { mappingFor, type MappingValues } from "../lib/tasks";

interface Choice {
  dataset_id?: string;
  task_type?: string;
  trainer?: string;
  name?: string;
}

export function NewJobPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const { project } = useProject();
  const projectId = project?.id ?? "";
  const [step, setStep] = useState(0);
  const [choice, setChoice] = useState<Choice>({ dataset_id: search.get("dataset") ?? undefined });
  const [mapping, setMapping] = useState<MappingValues>({});
  const [params, setParams] = useState<Record<string, unknown>>({});
  const [mappingForm] = Form.useForm<MappingValues>();
  const [paramsForm] = Form.useForm();
  const [datasetForm] = Form.useForm<Choice>();

  const datasets = useQuery({
    queryKey: ["datasets", projectId, "all"],
    enabled: !!projectId,
    queryFn: () => unwrap(api.GET("/api/v1/datasets", { params: { query: { project_id: projectId, limit: 500 } } })),
    refetchInterval: (query) => pollWhileProcessing(query.state.data?.items),
  });
  const taskTypes = useQuery({ queryKey: ["task-types"], queryFn: () => unwrap(api.GET("/api/v1/task-types")) as Promise<unknown> as Promise<TaskTypeInfo[]> });

  const readyDatasets = (datasets.data?.items ?? []).filter(isReady);
  const dataset = readyDatasets.find((d) => d.id === choice.dataset_id);
  const asked = datasets.data?.items.find((d) => d.id === choice.dataset_id && !isReady(d));
  const converting = (datasets.data?.items ?? []).filter((d) => d.status === "processing" && d !== asked);
  const task = taskTypes.data?.find((tt) => tt.task_type === choice.task_type);
  const trainer = task?.trainers.find((tr) => tr.name === (choice.trainer ?? task.default_trainer));
  const fields = trainer ? fieldsFromSchema(trainer.params_schema) : [];
  const columnOptions = (dataset?.columns ?? []).map((c) => ({ value: c.name, label: `${c.name} (${c.dtype})` }));

  // The dataset asked for in the URL was still converting: pick it once it is ready.
  const askedReadyId = step === 0 ? dataset?.id : undefined;
  useEffect(() => {
    if (askedReadyId && !datasetForm.getFieldValue("dataset_id")) datasetForm.setFieldValue("dataset_id", askedReadyId);
  }, [askedReadyId, datasetForm]);

  const submit = useMutation({
    mutationFn: () =>
      unwrap(api.POST("/api/v1/jobs", { body: {
        project_id: projectId,
        name: choice.name || `${dataset?.name ?? "job"} · ${t(`tasks.${choice.task_type}`)}`,
        task_type: choice.task_type ?? "",
        trainer: trainer?.name,
        dataset_id: choice.dataset_id ?? "",
        columns: mappingFor(choice.task_type ?? "", mapping),
        params: paramsFromValues(fields, params),
      } })),
    onSuccess: (job) => {
      void message.success(t("jobs.submitted"));
      navigate(`/jobs/${job.id}`);
    },
    onError: (err) => {
      if (!(err instanceof ApiError)) return;
      if (err.code === "invalid_params") {
        setStep(3);
        const errors = err.fieldErrors();
        setTimeout(() => paramsForm.setFields(Object.entries(errors).map(([name, msg]) => ({ name: name.split("."), errors: [msg] }))));
      } else if (err.code === "dataset_invalid_for_task") {
        setStep(2);
        const key = choice.task_type === "text_classification" ? "label" : "target";
        setTimeout(() => mappingForm.setFields([{ name: key, errors: [err.message] }]));
      }
    },
  });

  if (datasets.isLoading || taskTypes.isLoading) return <PageSkeleton />;
  if (datasets.error || taskTypes.error) return <QueryError error={datasets.error ?? taskTypes.error} />;

  const steps = [t("jobs.dataset"), t("jobs.taskType"), t("jobs.mapping"), t("jobs.params"), t("jobs.review")];
  const isText = choice.task_type === "text_classification";

  const stepBody = [
    <Form key="d" form={datasetForm} layout="vertical" initialValues={{ ...choice, dataset_id: dataset?.id }}
      onFinish={(v: Choice) => { setChoice({ ...choice, ...v }); setStep(1); }}>
      {asked?.status === "processing" && <Alert type="info" showIcon title={t("jobs.datasetProcessing", { name: asked.name })} style={{ marginBottom: 16 }} />}
      {asked?.status === "failed" && <Alert type="error" showIcon title={t("jobs.datasetFailed", { name: asked.name, message: asked.error?.message ?? "" })} style={{ marginBottom: 16 }} />}
      {converting.length > 0 && (
        <Alert type="info" showIcon title={t("jobs.datasetsProcessing", { names: converting.map((d) => d.name).join(", ") })} style={{ marginBottom: 16 }} />
      )}
      <Form.Item name="dataset_id" label={t("jobs.selectDataset")} rules={[{ required: true }]}>
        <Select showSearch optionFilterProp="label" data-testid="job-dataset"
          options={readyDatasets.map((d) => ({ value: d.id, label: `${d.name} (${d.row_count} × ${d.columns.length})` }))} />
      </Form.Item>
      <Form.Item name="name" label={t("jobs.name")}><Input placeholder={dataset?.name} /></Form.Item>
      <Button type="primary" htmlType="submit">{t("common.next")}</Button>
    </Form>,
    <Form key="t" layout="vertical" initialValues={choice} onFinish={(v: Choice) => { setChoice({ ...choice, ...v, trainer: undefined }); setStep(2); }}>
      <Form.Item name="task_type" label={t("jobs.chooseTask")} rules={[{ required: true }]}>
        <Radio.Group optionType="button" options={taskTypes.data?.map((tt) => ({ value: tt.task_type, label: t(`tasks.${tt.task_type}`, { defaultValue: tt.task_type }) }))} />
      </Form.Item>
      <Space><Button onClick={() => setStep(0)}>{t("common.prev")}</Button><Button type="primary" htmlType="submit">{t("common.next")}</Button></Space>
    </Form>,
    <Form key="m" form={mappingForm} layout="vertical" initialValues={mapping} onFinish={(v: MappingValues) => { setMapping(v); setStep(3); }}>
      {isText ? (
        <>
          <Form.Item name="text" label={t("jobs.textColumn")} rules={[{ required: true }]}><Select options={columnOptions} /></Form.Item>
          <Form.Item name="label" label={t("jobs.targetColumn")} rules={[{ required: true }]}><Select options={columnOptions} /></Form.Item>
        </>
      ) : (
        <>
          <Form.Item name="target" label={t("jobs.targetColumn")} rules={[{ required: true }]}><Select options={columnOptions} data-testid="job-target" /></Form.Item>
          <Form.Item name="features" label={t("jobs.featureColumns")}><Select mode="multiple" allowClear options={columnOptions} /></Form.Item>
        </>
      )}
      <Space><Button onClick={() => setStep(1)}>{t("common.prev")}</Button><Button type="primary" htmlType="submit">{t("common.next")}</Button></Space>
    </Form>,
    <Form key={`p-${trainer?.name}`} form={paramsForm} layout="vertical" style={{ maxWidth: 560 }}
      initialValues={{ ...initialValues(fields, trainer?.defaults ?? {}), ...params }}
      onFinish={(v) => { setParams(v); setStep(4); }}>
      {task && task.trainers.length > 1 && (
        <Form.Item label="Trainer">
          <Select value={trainer?.name} onChange={(name: string) => { setChoice({ ...choice, trainer: name }); setParams({}); }}
            options={task.trainers.map((tr) => ({ value: tr.name, label: tr.title, disabled: !tr.available }))} />
        </Form.Item>
      )}
      {trainer?.description && <Typography.Paragraph type="secondary">{trainer.description}</Typography.Paragraph>}
      <SchemaFields fields={fields} />
      <Space><Button onClick={() => setStep(2)}>{t("common.prev")}</Button><Button type="primary" htmlType="submit">{t("common.next")}</Button></Space>
    </Form>,
    <div key="r">
      <Descriptions bordered size="small" column={1} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t("jobs.dataset")}>{dataset?.name}</Descriptions.Item>
        <Descriptions.Item label={t("jobs.taskType")}>{t(`tasks.${choice.task_type}`, { defaultValue: choice.task_type })}</Descriptions.Item>
        <Descriptions.Item label="Trainer">{trainer?.title}</Descriptions.Item>
        <Descriptions.Item label={t("jobs.mapping")}><code>{JSON.stringify(mappingFor(choice.task_type ?? "", mapping))}</code></Descriptions.Item>
        <Descriptions.Item label={t("jobs.params")}><code>{JSON.stringify(paramsFromValues(fields, params))}</code></Descriptions.Item>
      </Descriptions>
      {submit.error && <Alert type="error" showIcon title={submit.error.message} style={{ marginBottom: 16 }} />}
      <Space>
        <Button onClick={() => setStep(3)}>{t("common.prev")}</Button>
        <Button type="primary" loading={submit.isPending} onClick={() => submit.mutate()} data-testid="job-submit">{t("common.submit")}</Button>
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
