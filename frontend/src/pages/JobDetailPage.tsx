/** One job, live: status, progress with ETA, curves, log tail, events; cancel, retry, model link. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Descriptions, Popconfirm, Progress, Row, Space, Tabs, Timeline, Typography } from "antd";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { Job } from "../api/domain";
import { CurvesChart } from "../components/CurvesChart";
import { PageSkeleton } from "../components/PageSkeleton";
import { QueryError } from "../components/QueryError";
import { StatusTag } from "../components/StatusTag";
import { useJobStream } from "../hooks/useJobStream";
import { formatDuration, formatTime } from "../lib/format";
import { isFinished } from "../lib/jobStream";
import { errorText } from "../api/errorText";

/** REST for the full record (refetched on each status change), the stream for live fields. */
function mergeJob(rest: Job | undefined, live: Job | null): Job {
  if (!live) return rest as Job;
  if (!rest) return live;
  if (isFinished(rest.status)) return rest;
  const { status, progress, step, total_steps, epoch, message } = live;
  return { ...rest, status, progress, step, total_steps, epoch, message };
}

export function JobDetailPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const stream = useJobStream(id);
  const rest = useQuery({ queryKey: ["job", id], queryFn: () => unwrap(api.GET("/api/v1/jobs/{job_id}", { params: { path: { job_id: id } } })) });
  const liveStatus = stream.job?.status;

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

  return (
    <Space orientation="vertical" style={{ width: "100%" }} size="middle">
      <Card
        title={<Space>{job.name}<StatusTag status={job.status} /></Space>}
        extra={
          <Space>
            {stream.connection === "reconnecting" && <Typography.Text type="warning">{t("jobs.reconnecting")}</Typography.Text>}
            {stream.connection === "open" && !finished && <Typography.Text type="success" data-testid="live-indicator">● {t("jobs.live")}</Typography.Text>}
            {!finished && (
              <Popconfirm title={t("jobs.cancelConfirm")} onConfirm={() => act.mutate("cancel")}>
                <Button danger loading={act.isPending}>{t("jobs.cancel")}</Button>
              </Popconfirm>
            )}
            {(job.status === "failed" || job.status === "cancelled") && <Button onClick={() => act.mutate("retry")}>{t("jobs.retry")}</Button>}
            {job.model_version_id && <Link to={`/models/${job.model_version_id}`}><Button type="primary" data-testid="job-model-link">{t("jobs.model")}</Button></Link>}
          </Space>
        }
      >
        <Progress percent={Math.round((job.progress ?? 0) * 1000) / 10} status={job.status === "failed" ? "exception" : finished ? "success" : "active"} data-testid="job-progress" />
        <Descriptions size="small" column={4} style={{ marginTop: 12 }}>
          <Descriptions.Item label={t("jobs.taskType")}>{t(`tasks.${job.task_type}`, { defaultValue: job.task_type })}</Descriptions.Item>
          <Descriptions.Item label="Trainer">{job.trainer}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.eta")}>{finished ? "—" : formatDuration(job.eta_seconds)}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.step")}>{job.step != null ? `${job.step}${job.total_steps ? ` / ${job.total_steps}` : ""}` : "—"}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.started")}>{formatTime(job.started_at)}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.finished")}>{formatTime(job.finished_at)}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.dataset")}>{job.dataset_id ? <Link to={`/datasets/${job.dataset_id}`}>{job.dataset_id.slice(0, 8)}</Link> : "—"}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.stage")}>{job.message ?? "—"}</Descriptions.Item>
        </Descriptions>
        {error && <Alert type="error" showIcon title={`${t("jobs.error")}: ${error.code}`} description={error.message} />}
      </Card>
      <Row gutter={16}>
        <Col xs={24} xl={14}>
          <Card title={t("jobs.curves")}><CurvesChart series={stream.series} /></Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card>
            <Tabs
              items={[
                {
                  key: "logs",
                  label: t("jobs.logs"),
                  children: (
                    <pre data-testid="job-logs" style={{ height: 280, overflow: "auto", background: "#0b1021", color: "#d6deeb", padding: 12, fontSize: 12, margin: 0, whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
                      {stream.logs.slice(-200).join("\n") || "…"}
                    </pre>
                  ),
                },
                {
                  key: "events",
                  label: t("jobs.events"),
                  children: (
                    <div style={{ height: 280, overflow: "auto", paddingTop: 8 }}>
                      <Timeline
                        items={stream.timeline.filter((e) => e.type === "status").map((e) => ({
                          color: e.data.status === "failed" ? "red" : e.data.status === "succeeded" ? "green" : "blue",
                          content: `${formatTime(e.created_at)} · ${t(`status.${String(e.data.status)}`, { defaultValue: String(e.data.status) })}${e.data.reason ? ` (${String(e.data.reason)})` : ""}`,
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
