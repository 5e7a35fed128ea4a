/** One job, live: status, progress with an ETA from the stream, stage, hyper-parameters, training
 * and validation curves, searchable log with download, events; cancel, retry, model link. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Descriptions, Popconfirm, Progress, Row, Space, Table, Tabs, Timeline, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { Job } from "../api/domain";
import { errorText } from "../api/errorText";
import { CurvesChart } from "../components/CurvesChart";
import { JobLog } from "../components/JobLog";
import { LlmJobFigures } from "../components/llm/LlmJobFigures";
import { PageSkeleton } from "../components/PageSkeleton";
import { QueryError } from "../components/QueryError";
import { StatusTag } from "../components/StatusTag";
import { useJobStream } from "../hooks/useJobStream";
import { paramValue, useNames } from "../i18n/names";
import { formatDuration, formatTime } from "../lib/format";
import { isFinished } from "../lib/jobStream";
import { liveEta, queuePlace, stageOf } from "../lib/jobView";

const QUEUE_POLL_MS = 3000;

/** REST for the full record (refetched on each status change), the stream for live fields. */
function mergeJob(rest: Job | undefined, live: Job | null): Job {
  if (!live) return rest as Job;
  if (!rest) return live;
  if (isFinished(rest.status)) return rest;
  const { status, progress, step, total_steps, epoch, message } = live;
  return { ...rest, status, progress, step, total_steps, epoch, message };
}

/** A clock that ticks every second while `active`. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

function HyperParams({ params }: { params: Record<string, unknown> }) {
  const { t } = useTranslation();
  const name = useNames();
  const rows = Object.entries(params).map(([key, value]) => ({ key, value }));
  return (
    <Table size="small" pagination={false} rowKey="key" dataSource={rows} data-testid="job-params"
      locale={{ emptyText: t("common.empty") }}
      columns={[
        { title: t("jobs.param"), dataIndex: "key", render: (key: string) => name("params", key) },
        { title: t("jobs.value"), dataIndex: "value", render: (v: unknown, row) => paramValue(name, row.key, v) },
      ]} />
  );
}

export function JobDetailPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const name = useNames();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const stream = useJobStream(id);
  const rest = useQuery({
    queryKey: ["job", id],
    queryFn: () => unwrap(api.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: id } } })),
    // a queued job's place moves when other jobs end, which its own stream does not tell
    refetchInterval: (query) => (query.state.data?.status === "queued" ? QUEUE_POLL_MS : false),
  });
  const datasetId = rest.data?.dataset_id;
  const dataset = useQuery({
    queryKey: ["dataset", datasetId],
    enabled: !!datasetId,
    queryFn: () => unwrap(api.GET("/api/v1/datasets/{dataset_id}", { params: { path: { dataset_id: datasetId ?? "" } } })),
  });
  const liveStatus = stream.job?.status;
  const now = useNow(liveStatus === "running");

  useEffect(() => {
    if (liveStatus) void queryClient.invalidateQueries({ queryKey: ["job", id] });
  }, [liveStatus, id, queryClient]);

  const act = useMutation({
    mutationFn: (action: "cancel" | "retry") =>
      unwrap(api.POST(action === "cancel" ? "/api/v1/jobs/{job_id}/cancel" : "/api/v1/jobs/{job_id}/retry", { params: { path: { job_id: id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["job", id] }),
    onError: (err) => void message.error(errorText(err)),
  });

  if (rest.isLoading && !stream.job) return <PageSkeleton />;
  if (rest.error && !stream.job) return <QueryError error={rest.error} onRetry={() => void rest.refetch()} />;
  const job = mergeJob(rest.data, stream.job);
  const finished = isFinished(job.status);
  const error = job.error;
  const stage = stageOf(job);
  const eta = liveEta(job, now) ?? job.eta_seconds;

  return (
    <Space orientation="vertical" style={{ width: "100%" }} size="middle">
      <Card
        title={<Space>{job.name}<span data-testid="job-status"><StatusTag status={job.status} /></span></Space>}
        extra={
          <Space>
            {stream.connection === "reconnecting" && <Typography.Text type="warning">{t("jobs.reconnecting")}</Typography.Text>}
            {stream.connection === "open" && !finished && <Typography.Text type="success" data-testid="live-indicator">● {t("jobs.live")}</Typography.Text>}
            {!finished && job.status !== "cancelling" && (
              <Popconfirm title={t("jobs.cancelConfirm")} onConfirm={() => act.mutate("cancel")}>
                <Button danger loading={act.isPending} data-testid="job-cancel">{t("jobs.cancel")}</Button>
              </Popconfirm>
            )}
            {(job.status === "failed" || job.status === "cancelled") && <Button onClick={() => act.mutate("retry")}>{t("jobs.retry")}</Button>}
            {job.model_version_id && <Link to={`/models/${job.model_version_id}`}><Button type="primary" data-testid="job-model-link">{t("jobs.model")}</Button></Link>}
          </Space>
        }
      >
        <Progress percent={Math.round((job.progress ?? 0) * 1000) / 10}
          status={job.status === "failed" ? "exception" : job.status === "cancelled" ? "normal" : finished ? "success" : "active"} data-testid="job-progress" />
        {job.status === "cancelled" && <Alert type="warning" showIcon title={t("jobs.cancelled")} data-testid="job-cancelled" style={{ marginTop: 12 }} />}
        <Descriptions size="small" column={4} style={{ marginTop: 12 }}>
          <Descriptions.Item label={t("jobs.taskType")}>{t(`tasks.${job.task_type}`, { defaultValue: job.task_type })}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.trainer")}>{name("trainers", job.trainer)}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.eta")}>{finished ? "—" : formatDuration(eta)}</Descriptions.Item>
          {job.status === "queued" && (
            <>
              <Descriptions.Item label={t("jobs.queuePosition")}>
                <span data-testid="job-queue-position">{queuePlace(t, job)}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t("jobs.estimatedStart")}>
                <span data-testid="job-estimated-start">{formatTime(job.estimated_start_at)}</span>
              </Descriptions.Item>
            </>
          )}
          <Descriptions.Item label={t("jobs.step")}>{job.step != null ? `${job.step}${job.total_steps ? ` / ${job.total_steps}` : ""}` : "—"}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.started")}>{formatTime(job.started_at)}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.finished")}>{formatTime(job.finished_at)}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.dataset")}>
            {job.dataset_id ? <Link to={`/datasets/${job.dataset_id}`} data-testid="job-dataset-link">{dataset.data?.name ?? "…"}</Link> : "—"}
          </Descriptions.Item>
          <Descriptions.Item label={t("jobs.stage")}>
            <span data-testid="job-stage">
              {stage === null ? "—" : stage.kind === "status" ? t(`status.${stage.key}`) : name("stages", stage.key)}
            </span>
          </Descriptions.Item>
        </Descriptions>
        {error && <Alert type="error" showIcon title={t("jobs.error")} description={name("errorCodes", error.code, error.message ?? undefined)} />}
      </Card>
      {job.task_type === "llm_sft" && <LlmJobFigures series={stream.series} finished={finished} />}
      <Row gutter={16}>
        <Col xs={24} xl={14}>
          <Card title={t("jobs.curves")}><CurvesChart series={stream.series} /></Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card>
            <Tabs
              items={[
                { key: "logs", label: t("jobs.logs"), children: <JobLog jobId={id} lines={stream.logs} /> },
                { key: "params", label: t("jobs.hyperParams"), children: <HyperParams params={job.params ?? {}} /> },
                {
                  key: "events",
                  label: t("jobs.events"),
                  children: (
                    <div style={{ height: 280, overflow: "auto", paddingTop: 8 }}>
                      <Timeline
                        items={stream.timeline.filter((e) => e.type === "status").map((e) => ({
                          color: e.data.status === "failed" ? "red" : e.data.status === "succeeded" ? "green" : "blue",
                          content: `${formatTime(e.created_at)} · ${t(`status.${String(e.data.status)}`, { defaultValue: String(e.data.status) })}`,
                        }))}
                      />
                    </div>
                  ),
                },
              ]}
            />
          </Card>
        </Col>
      </Row>
    </Space>
  );
}
