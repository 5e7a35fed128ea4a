/** A new labeling run: dataset and columns, task, prompt template, teachers and budget; the first 5
 * rendered prompts and the token and cost estimate are shown before the run can start, and the teachers
 * can be asked those prompts (paid once, at a cost shown before asking). */
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQuery } from "@tanstack/react-query";
import {
  Alert, App, Button, Card, Col, Collapse, Descriptions, Form, Input, InputNumber, Radio, Row, Select, Space, Table, Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { codeText } from "../api/errorText";
import type { components } from "../api/schema";
import { ColumnSelect } from "../components/ColumnSelect";
import { QueryError } from "../components/QueryError";
import { useProject } from "../hooks/useProject";
import { isReady } from "../lib/datasets";
import { applyFieldErrors } from "../lib/forms";
import {
  CURRENCIES, RUN_FIELD_ALIASES, formatMoney, formatTokens, parseSchema, runBody, teacherKey, type LabelingPreview, type RunValues,
  type TeacherOption,
} from "../lib/teachers";

type TeacherEstimate = components["schemas"]["TeacherEstimate"];
type PreviewAnswer = components["schemas"]["PreviewAnswer"];

interface PreviewVote {
  teacher: string;
  value: unknown;
  error: { code?: string; message?: string } | null;
}

const DEFAULTS: Partial<RunValues> = {
  kind: "classify", labels: [{ name: "", description: "" }], examples: [], teachers: [], temperature: 0,
  max_tokens: 256, currency: "CNY",
};

function teacherOptions(teachers: TeacherOption[], noPrice: string, lang: string) {
  return teachers.map((p) => ({
    label: p.name,
    options: p.models.map((m) => ({
      value: teacherKey(p.id, m.model),
      label: `${p.name} / ${m.model}${
        m.price ? ` · ${formatMoney(m.price.input_per_m, m.price.currency, lang)} / ${formatMoney(m.price.output_per_m, m.price.currency, lang)}` : noPrice
      }`,
    })),
  }));
}

function TaskFields({ kind }: { kind: RunValues["kind"] }) {
  const { t } = useTranslation();
  if (kind === "extract") {
    return (
      <Form.Item
        name="json_schema"
        label={t("labeling.jsonSchema")}
        rules={[
          { required: true },
          {
            validator: (_, value?: string) => {
              try {
                parseSchema(value);
                return Promise.resolve();
              } catch (err) {
                return Promise.reject(new Error(t("labeling.jsonSchemaInvalid", { message: (err as Error).message })));
              }
            },
          },
        ]}
      >
        <Input.TextArea rows={6} spellCheck={false} style={{ fontFamily: "monospace" }} />
      </Form.Item>
    );
  }
  if (kind === "generate") {
    return (
      <Form.Item name="system" label={t("labeling.system")}>
        <Input.TextArea rows={3} />
      </Form.Item>
    );
  }
  return (
    <>
      <Form.Item label={t("labeling.labels")} required>
        <Form.List name="labels">
          {(fields, { add, remove }) => (
            <>
              {fields.map((field) => (
                <Space key={field.key} align="start">
                  <Form.Item name={[field.name, "name"]} rules={[{ required: true, message: t("common.required") }]}>
                    <Input placeholder={t("labeling.labelName")} style={{ width: 160 }} data-testid="label-name" />
                  </Form.Item>
                  <Form.Item name={[field.name, "description"]}>
                    <Input placeholder={t("labeling.labelDescription")} style={{ width: 320 }} />
                  </Form.Item>
                  <Button icon={<DeleteOutlined />} aria-label={t("common.delete")} disabled={fields.length === 1} onClick={() => remove(field.name)} />
                </Space>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add({ name: "", description: "" })}>{t("labeling.addLabel")}</Button>
            </>
          )}
        </Form.List>
      </Form.Item>
      <Form.Item label={t("labeling.examples")}>
        <Form.List name="examples">
          {(fields, { add, remove }) => (
            <>
              {fields.map((field) => (
                <Space key={field.key} align="start">
                  <Form.Item name={[field.name, "text"]} rules={[{ required: true, message: t("common.required") }]}>
                    <Input.TextArea placeholder={t("labeling.exampleText")} autoSize style={{ width: 360 }} />
                  </Form.Item>
                  <Form.Item name={[field.name, "label"]} rules={[{ required: true, message: t("common.required") }]}>
                    <Input placeholder={t("labeling.exampleLabel")} style={{ width: 120 }} />
                  </Form.Item>
                  <Button icon={<DeleteOutlined />} aria-label={t("common.delete")} onClick={() => remove(field.name)} />
                </Space>
              ))}
              <Button icon={<PlusOutlined />} onClick={() => add({ text: "", label: "" })}>{t("labeling.addExample")}</Button>
            </>
          )}
        </Form.List>
      </Form.Item>
    </>
  );
}

/** An answer as text: labels as they are, extracted objects as JSON, nothing as a dash. */
const answerText = (value: unknown): string =>
  value === null || value === undefined ? "—" : typeof value === "string" ? value : JSON.stringify(value);

/** The teachers' answers to one prompt: the vote, then each teacher's answer or error. */
function PromptAnswers({ answer }: { answer: PreviewAnswer }) {
  const { t } = useTranslation();
  const votes = answer.votes as unknown as PreviewVote[];
  const error = answer.error as PreviewVote["error"];
  return (
    <div data-testid={`answers-${answer.row_index}`} style={{ marginTop: 8 }}>
      <Typography.Text strong>{t("labeling.teacherAnswers")}</Typography.Text>
      <Descriptions size="small" column={1} bordered>
        <Descriptions.Item label={t("labeling.voted")}>
          {answer.output === null && error ? codeText(error.code, error.message ?? "") : answerText(answer.output)}
          {answer.agreement !== null && ` · ${t("labeling.agreement")} ${Math.round(answer.agreement * 100)}%`}
        </Descriptions.Item>
        {votes.map((vote, i) => (
          <Descriptions.Item key={i} label={vote.teacher}>
            {vote.error ? (
              <Typography.Text type="danger">{codeText(vote.error.code, vote.error.message ?? "")}</Typography.Text>
            ) : (
              answerText(vote.value)
            )}
          </Descriptions.Item>
        ))}
      </Descriptions>
    </div>
  );
}

function PreviewPanel({
  preview, budget, currency, asking, onAsk,
}: { preview: LabelingPreview; budget?: string; currency: string; asking: boolean; onAsk: () => void }) {
  const { t, i18n } = useTranslation();
  const { estimate } = preview;
  const answers = new Map((preview.answers ?? []).map((a) => [a.row_index, a]));
  const over = budget !== undefined && Number(estimate.cost) > Number(budget);
  return (
    <Space direction="vertical" style={{ width: "100%" }} data-testid="labeling-preview">
      {over && <Alert type="error" showIcon message={t("labeling.overBudget")} />}
      <Descriptions size="small" column={2} bordered>
        <Descriptions.Item label={t("labeling.rows")}>{formatTokens(estimate.rows)}</Descriptions.Item>
        <Descriptions.Item label={t("labeling.estimate")}>
          <Typography.Text strong data-testid="estimate-cost">{formatMoney(estimate.cost, currency, i18n.language)}</Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t("labeling.inputTokens")}>{formatTokens(estimate.input_tokens)}</Descriptions.Item>
        <Descriptions.Item label={t("labeling.outputTokens")}>{formatTokens(estimate.output_tokens)}</Descriptions.Item>
      </Descriptions>
      <Typography.Text type="secondary">{t("labeling.estimateNote")}</Typography.Text>
      <Table<TeacherEstimate>
        size="small"
        pagination={false}
        rowKey={(r) => teacherKey(r.provider_id, r.model)}
        dataSource={estimate.teachers}
        columns={[
          { title: t("labeling.teachers"), dataIndex: "model" },
          { title: t("labeling.inputTokens"), dataIndex: "input_tokens", render: formatTokens },
          { title: t("labeling.outputTokens"), dataIndex: "output_tokens", render: formatTokens },
          { title: t("labeling.cost"), dataIndex: "cost", render: (c: string) => formatMoney(c, currency, i18n.language) },
        ]}
      />
      <Space wrap>
        <Button onClick={onAsk} loading={asking} disabled={!!preview.answers} data-testid="run-ask">
          {t("labeling.askTeachers")}
        </Button>
        <Typography.Text type="secondary" data-testid="ask-cost">
          {preview.answers
            ? t("labeling.askedHint")
            : t("labeling.askCost", { cost: formatMoney(preview.ask_cost, currency, i18n.language), count: preview.prompts.length })}
        </Typography.Text>
      </Space>
      <Collapse
        defaultActiveKey={preview.prompts.length ? [String(preview.prompts[0].row_index)] : []}
        items={preview.prompts.map((p) => {
          const answer = answers.get(p.row_index);
          return {
            key: String(p.row_index),
            label: (
              <Space>
                {t("labeling.prompt", { row: p.row_index + 1 })}
                {answer && <Tag color={answer.error ? "red" : "blue"}>{answer.error ? t("labeling.noAnswer") : answerText(answer.output)}</Tag>}
              </Space>
            ),
            children: (
              <>
                {p.messages.map((m, i) => (
                  <div key={i} style={{ marginBottom: 8 }}>
                    <Typography.Text type="secondary">{t(`labeling.roles.${m.role}`, { defaultValue: m.role })}</Typography.Text>
                    {/* What the teacher is sent: the template filled with the row's text. */}
                    <pre style={{ whiteSpace: "pre-wrap", margin: 0 }} data-user-content>{m.content}</pre>
                  </div>
                ))}
                {answer && <PromptAnswers answer={answer} />}
              </>
            ),
          };
        })}
      />
    </Space>
  );
}

export function NewLabelingRunPage() {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const { project } = useProject();
  const projectId = project?.id ?? "";
  const [form] = Form.useForm<RunValues>();
  const [preview, setPreview] = useState<LabelingPreview | null>(null);
  const kind = Form.useWatch("kind", form) ?? "classify";
  const datasetId = Form.useWatch("dataset_id", form);
  const budget = Form.useWatch("budget", form);
  const currency = Form.useWatch("currency", form) ?? "CNY";

  const datasets = useQuery({
    queryKey: ["datasets", projectId, "all"],
    enabled: !!projectId,
    queryFn: () => unwrap(api.GET("/api/v1/datasets", { params: { query: { project_id: projectId, limit: 500 } } })),
  });
  const teachers = useQuery({
    queryKey: ["teachers"],
    queryFn: () => unwrap(api.GET("/api/v1/llm-providers/teachers")),
  });
  const ready = (datasets.data?.items ?? []).filter(isReady);
  const dataset = ready.find((d) => d.id === datasetId);

  const previewCall = useMutation({
    mutationFn: (values: RunValues) => unwrap(api.POST("/api/v1/labeling-runs/preview", { body: runBody(values) })),
    onSuccess: setPreview,
    onError: (err) => applyFieldErrors(form, err, message, RUN_FIELD_ALIASES),
  });
  const ask = useMutation({
    mutationFn: (values: RunValues) =>
      unwrap(api.POST("/api/v1/labeling-runs/preview", { params: { query: { ask_teachers: true } }, body: runBody(values) })),
    onSuccess: setPreview,
    onError: (err) => applyFieldErrors(form, err, message, RUN_FIELD_ALIASES),
  });
  const create = useMutation({
    mutationFn: (values: RunValues) => unwrap(api.POST("/api/v1/labeling-runs", { body: runBody(values) })),
    onSuccess: (run) => {
      void message.success(t("labeling.started"));
      navigate(`/labeling/${run.id}`);
    },
    onError: (err) => applyFieldErrors(form, err, message, RUN_FIELD_ALIASES),
  });
  const submit = (action: "preview" | "ask" | "create") => {
    const call = { preview: previewCall, ask, create }[action];
    void form.validateFields().then((values) => call.mutate(values));
  };

  return (
    <Row gutter={16}>
      <Col xs={24} xl={12}>
        <Card title={t("labeling.create")}>
          {datasets.error && <QueryError error={datasets.error} onRetry={() => void datasets.refetch()} />}
          {teachers.data?.length === 0 && <Alert type="warning" showIcon message={t("labeling.noTeachers")} style={{ marginBottom: 16 }} />}
          <Form<RunValues> form={form} layout="vertical" initialValues={DEFAULTS} onValuesChange={() => setPreview(null)}>
            <Form.Item name="name" label={t("labeling.name")} rules={[{ required: true }]}>
              <Input data-testid="run-name" />
            </Form.Item>
            <Form.Item name="dataset_id" label={t("labeling.dataset")} rules={[{ required: true }]}>
              <Select
                showSearch={{ optionFilterProp: "label" }}
                loading={datasets.isLoading}
                options={ready.map((d) => ({ value: d.id, label: d.name }))}
                onChange={() => form.setFieldValue("text_columns", [])}
                data-testid="run-dataset"
              />
            </Form.Item>
            <Form.Item name="text_columns" label={t("labeling.textColumns")} rules={[{ required: true }]}>
              <ColumnSelect dataset={dataset} mode="multiple" data-testid="run-columns" />
            </Form.Item>
            <Form.Item name="kind" label={t("labeling.task")}>
              <Radio.Group
                optionType="button"
                options={(["classify", "extract", "generate"] as const).map((k) => ({ value: k, label: t(`labeling.kinds.${k}`) }))}
              />
            </Form.Item>
            <TaskFields kind={kind} />
            <Form.Item name="template" label={t("labeling.template")} extra={t("labeling.templateHint")}>
              <Input.TextArea rows={6} spellCheck={false} style={{ fontFamily: "monospace" }} data-testid="run-template" />
            </Form.Item>
            <Form.Item name="teachers" label={t("labeling.teachers")} extra={t("labeling.teachersHint")} rules={[{ required: true }]}>
              <Select
                mode="multiple"
                maxCount={7}
                loading={teachers.isLoading}
                options={teacherOptions(teachers.data ?? [], t("labeling.noPrice"), i18n.language)}
                data-testid="run-teachers"
              />
            </Form.Item>
            <Space wrap>
              <Form.Item name="temperature" label={t("labeling.temperature")}>
                <InputNumber min={0} max={2} step={0.1} />
              </Form.Item>
              <Form.Item name="max_tokens" label={t("labeling.maxTokens")}>
                <InputNumber min={1} max={8192} />
              </Form.Item>
              <Form.Item name="budget" label={t("labeling.budget")} rules={[{ required: true }]}>
                <InputNumber<string> stringMode min="0" style={{ width: 140 }} data-testid="run-budget" />
              </Form.Item>
              <Form.Item name="currency" label={t("labeling.currency")}>
                <Select style={{ width: 100 }} options={CURRENCIES.map((c) => ({ value: c, label: t(`currencies.${c}`) }))} />
              </Form.Item>
            </Space>
            <Space>
              <Button onClick={() => submit("preview")} loading={previewCall.isPending} data-testid="run-preview">
                {t("labeling.preview")}
              </Button>
              <Button
                type="primary"
                disabled={!preview || Number(preview.estimate.cost) > Number(budget)}
                loading={create.isPending}
                onClick={() => submit("create")}
                data-testid="run-start"
              >
                {t("labeling.start")}
              </Button>
            </Space>
          </Form>
        </Card>
      </Col>
      <Col xs={24} xl={12}>
        <Card title={t("labeling.preview")}>
          {preview ? (
            <PreviewPanel preview={preview} budget={budget} currency={currency} asking={ask.isPending} onAsk={() => submit("ask")} />
          ) : (
            <Typography.Text type="secondary">{t("labeling.previewHint")}</Typography.Text>
          )}
        </Card>
      </Col>
    </Row>
  );
}
