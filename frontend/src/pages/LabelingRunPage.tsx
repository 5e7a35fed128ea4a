/** One labeling run: progress, speed, tokens, cost against the budget, errors, stop and resume, the
 * labeled rows and the output dataset; followed live over its job's WebSocket (polled while that is
 * down) and read again whenever the job changes status. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert, App, Button, Card, Col, Descriptions, Form, InputNumber, Modal, Popconfirm, Progress, Row, Space, Statistic, Table,
  Tag, Typography,
} from "antd";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { codeText, errorText } from "../api/errorText";
import type { components } from "../api/schema";
import { PageSkeleton } from "../components/PageSkeleton";
import { QueryError } from "../components/QueryError";
import { StatusTag } from "../components/StatusTag";
import { useJobStream } from "../hooks/useJobStream";
import { formatTime } from "../lib/format";
import {
  ACTIVE_RUN_STATUSES, RESUMABLE_RUN_STATUSES, budgetPercent, formatMoney, formatTokens, latestRunProgress, rowsPerSecond,
  runPollMs, withLiveProgress, type LabelingRun,
} from "../lib/teachers";

type LabelingRow = components["schemas"]["LabelingRowRead"];
const ROWS_PAGE = 20;

const POLL_MS = 2000;

interface Reading {
  rows: number;
  at: number;
}

/** Stop an active run; resume a stopped one, optionally with a higher budget. */
function RunActions({ run }: { run: LabelingRun }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [resuming, setResuming] = useState(false);
  const [form] = Form.useForm<{ budget?: string }>();
  const path = { run_id: run.id };
  const done = (updated: LabelingRun) => {
    queryClient.setQueryData(["labeling-run", run.id], (old: object | undefined) => ({ ...old, ...updated }));
    void queryClient.invalidateQueries({ queryKey: ["labeling-run", run.id] });
    void queryClient.invalidateQueries({ queryKey: ["labeling-runs"] });
  };
  const stop = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/labeling-runs/{run_id}/stop", { params: { path } })),
    onSuccess: done,
    onError: (err) => void message.error(errorText(err)),
  });
  const resume = useMutation({
    mutationFn: (budget?: string) =>
      unwrap(api.POST("/api/v1/labeling-runs/{run_id}/resume", { params: { path }, body: { budget: budget || null } })),
    onSuccess: (updated) => {
      setResuming(false);
      done(updated);
    },
    onError: (err) => void message.error(errorText(err)),
  });
  return (
    <Space>
      {ACTIVE_RUN_STATUSES.has(run.status) && (
        <Popconfirm title={t("labeling.stopConfirm")} onConfirm={() => stop.mutate()}>
          <Button danger loading={stop.isPending} data-testid="run-stop">{t("labeling.stop")}</Button>
        </Popconfirm>
      )}
      {RESUMABLE_RUN_STATUSES.has(run.status) && (
        <Button onClick={() => setResuming(true)} data-testid="run-resume">{t("labeling.resume")}</Button>
      )}
      {run.job_id && <Link to={`/jobs/${run.job_id}`}>{t("labeling.job")}</Link>}
      <Modal
        open={resuming}
        title={t("labeling.resume")}
        onCancel={() => setResuming(false)}
        onOk={() => form.submit()}
        confirmLoading={resume.isPending}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" onFinish={(v) => resume.mutate(v.budget)}>
          <Typography.Paragraph type="secondary">{t("labeling.resumeHint")}</Typography.Paragraph>
          <Form.Item name="budget" label={`${t("labeling.newBudget")} (${run.currency})`}>
            <InputNumber<string> stringMode min="0" placeholder={String(run.budget)} style={{ width: 200 }} />
          </Form.Item>
        </Form>
      </Modal>
    </Space>
  );
}

/** The labeled rows: the voted output, agreement, confidence and any error; read again as rows get
 * done (live) or polled while the run moves without a live stream. */
function RowsTable({ runId, poll, rowsDone }: { runId: string; poll: number | false; rowsDone: number }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  useEffect(() => {
    void queryClient.invalidateQueries({ queryKey: ["labeling-run", runId, "rows"] });
  }, [rowsDone, runId, queryClient]);
  const rows = useQuery({
    queryKey: ["labeling-run", runId, "rows", page],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/labeling-runs/{run_id}/rows", {
          params: { path: { run_id: runId }, query: { limit: ROWS_PAGE, offset: (page - 1) * ROWS_PAGE } },
        }),
      ),
    refetchInterval: poll,
  });
  const share = (v: number | null) => (v === null ? "—" : `${Math.round(v * 100)}%`);
  return (
    <Card title={t("labeling.labeledRows")}>
      {rows.error && <QueryError error={rows.error} onRetry={() => void rows.refetch()} />}
      <Table<LabelingRow>
        size="small"
        rowKey="row_index"
        loading={rows.isLoading}
        dataSource={rows.data?.items}
        pagination={{ current: page, pageSize: ROWS_PAGE, total: rows.data?.total, onChange: setPage }}
        columns={[
          { title: t("labeling.row"), dataIndex: "row_index", render: (i: number) => i + 1 },
          {
            title: t("labeling.answer"),
            dataIndex: "output",
            render: (out: unknown) => (typeof out === "string" ? out : out === null ? "—" : JSON.stringify(out)),
          },
          { title: t("labeling.agreement"), dataIndex: "agreement", render: share },
          { title: t("labeling.confidence"), dataIndex: "confidence", render: share },
          {
            title: t("labeling.errors"),
            dataIndex: "error",
            render: (e: { code?: string; message?: string } | null) => (e ? codeText(e.code, e.message ?? "") : ""),
          },
        ]}
      />
    </Card>
  );
}

export function LabelingRunPage() {
  const { t, i18n } = useTranslation();
  const { id = "" } = useParams();
  const queryClient = useQueryClient();
  const first = useRef<Reading | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const stream = useJobStream(jobId);
  const live = stream.connection === "open";
  const run = useQuery({
    queryKey: ["labeling-run", id],
    queryFn: async () => {
      const data = await unwrap(api.GET("/api/v1/labeling-runs/{run_id}", { params: { path: { run_id: id } } }));
      const now = { rows: data.rows_done, at: Date.now() };
      if (data.status !== "running") first.current = null;
      else if (!first.current || first.current.rows > now.rows) first.current = now;
      return { ...data, speed: rowsPerSecond(first.current, now) };
    },
    refetchInterval: (query) => runPollMs(query.state.data?.status, live, POLL_MS),
  });
  const runJob = run.data?.job_id ?? null;
  if (runJob !== jobId) setJobId(runJob); // a resumed run follows its new job
  const jobStatus = stream.job?.status;
  useEffect(() => {
    // the job started, ended or was stopped: the run's own record has changed with it
    if (jobStatus) void queryClient.invalidateQueries({ queryKey: ["labeling-run", id] });
  }, [jobStatus, id, queryClient]);

  if (run.error) return <QueryError error={run.error} onRetry={() => void run.refetch()} />;
  if (!run.data) return <PageSkeleton />;
  const progress = latestRunProgress(stream.timeline);
  const r = withLiveProgress(run.data, progress);
  const active = ACTIVE_RUN_STATUSES.has(r.status);
  const running = r.status === "running";
  const speed = running && progress && r !== run.data ? progress.rows_per_s : r.speed;
  const percent = r.rows_total ? Math.floor((r.rows_done / r.rows_total) * 100) : 0;
  const money = (value: string) => formatMoney(value, r.currency, i18n.language);
  const error = r.error as { code?: string; message?: string } | null;

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="large">
      <Card
        title={
          <Space>
            {r.name}
            <StatusTag status={r.status} />
            {active && live && <Tag color="green" data-testid="run-live">{t("labeling.live")}</Tag>}
            {active && r.job_id && (stream.connection === "reconnecting" || stream.connection === "closed") && (
              <Tag color="orange" data-testid="run-polling">{t("labeling.polling")}</Tag>
            )}
          </Space>
        }
        extra={
          <Space>
            <RunActions run={r} />
            {r.rows_done > 0 && (
              <Link to={`/labeling-runs/${r.id}/review`}>
                <Button data-testid="run-review">{t("review.title")}</Button>
              </Link>
            )}
            {r.output_dataset_id && (
              <Link to={`/datasets/${r.output_dataset_id}`}>
                <Button type="primary" data-testid="run-output">{t("labeling.openOutput")}</Button>
              </Link>
            )}
          </Space>
        }
      >
        {r.status === "pending" && <Alert type="info" showIcon message={t("labeling.pendingHint")} style={{ marginBottom: 16 }} />}
        {error && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            message={t("labeling.errors")}
            description={codeText(error.code, error.message ?? "")}
            data-testid="run-error"
          />
        )}
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Typography.Text type="secondary">{t("labeling.progress")}</Typography.Text>
            <Progress percent={percent} status={running ? "active" : undefined} data-testid="run-progress" />
            <Typography.Text>{`${formatTokens(r.rows_done)} / ${formatTokens(r.rows_total)}`}</Typography.Text>
          </Col>
          <Col xs={24} md={12}>
            <Typography.Text type="secondary">{t("labeling.cost")}</Typography.Text>
            <Progress
              percent={budgetPercent(r.cost, r.budget)}
              strokeColor={budgetPercent(r.cost, r.budget) >= 90 ? "#faad14" : undefined}
              showInfo={false}
            />
            <Typography.Text data-testid="run-cost">
              {t("labeling.costOfBudget", { cost: money(r.cost), budget: money(r.budget) })}
            </Typography.Text>
          </Col>
        </Row>
        <Row gutter={16} style={{ marginTop: 24 }}>
          <Col span={8}>
            <Statistic
              title={t("labeling.rowsPerSecond")}
              value={speed === null ? "—" : t("labeling.rowsPerSecondValue", { value: speed.toFixed(2) })}
            />
          </Col>
          <Col span={8}>
            <Statistic title={t("labeling.inputTokens")} value={formatTokens(r.input_tokens)} />
          </Col>
          <Col span={8}>
            <Statistic title={t("labeling.outputTokens")} value={formatTokens(r.output_tokens)} />
          </Col>
        </Row>
      </Card>
      <RowsTable runId={r.id} poll={runPollMs(r.status, live, POLL_MS)} rowsDone={r.rows_done} />
      <Card title={t("labeling.params")}>
        <Descriptions column={1} size="small" bordered>
          <Descriptions.Item label={t("labeling.dataset")}>
            {r.dataset_id ? <Link to={`/datasets/${r.dataset_id}`} data-user-content>{r.dataset_id}</Link> : "—"}
          </Descriptions.Item>
          <Descriptions.Item label={t("labeling.textColumns")}>{r.text_columns.join(", ")}</Descriptions.Item>
          <Descriptions.Item label={t("labeling.task")}>
            {t(`labeling.kinds.${String(r.task.kind)}`, { defaultValue: String(r.task.kind) })}
          </Descriptions.Item>
          <Descriptions.Item label={t("labeling.teachers")}>
            {r.teachers.map((tr, i) => <Tag key={i}>{String(tr.model)}</Tag>)}
          </Descriptions.Item>
          <Descriptions.Item label={t("labeling.budget")}>{money(r.budget)}</Descriptions.Item>
          <Descriptions.Item label={t("labeling.createdAt")}>{formatTime(r.created_at)}</Descriptions.Item>
          <Descriptions.Item label={t("labeling.template")}>
            <pre style={{ whiteSpace: "pre-wrap", margin: 0 }} data-user-content>{r.template}</pre>
          </Descriptions.Item>
        </Descriptions>
      </Card>
    </Space>
  );
}
