/** Jobs of the current project; statuses and queue places update live while any job is active. */
import { useQuery } from "@tanstack/react-query";
import { Button, Card, Empty, Progress, Select, Table } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { Job, JobStatus } from "../api/domain";
import { QueryError } from "../components/QueryError";
import { StatusTag } from "../components/StatusTag";
import { useProject } from "../hooks/useProject";
import { formatTime } from "../lib/format";
import { isFinished } from "../lib/jobStream";
import { queuePlace } from "../lib/jobView";
import { useNames } from "../i18n/names";

const STATUSES = ["queued", "running", "cancelling", "succeeded", "failed", "cancelled"];

/** Poll fast while something runs, slowly otherwise. */
export function liveInterval(jobs?: Job[]): number {
  return jobs?.some((j) => !isFinished(j.status)) ? 1500 : 10_000;
}

export function JobsPage() {
  const { t } = useTranslation();
  const name = useNames();
  const { project } = useProject();
  const projectId = project?.id ?? "";
  const [status, setStatus] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const pageSize = 20;
  const jobs = useQuery({
    queryKey: ["jobs", projectId, status, page],
    enabled: !!projectId,
    queryFn: () => {
      const query = { project_id: projectId, status: status as JobStatus | undefined, limit: pageSize, offset: (page - 1) * pageSize };
      return unwrap(api.GET("/api/v1/jobs", { params: { query } }));
    },
    refetchInterval: (query) => liveInterval(query.state.data?.items),
  });

  return (
    <Card
      title={t("jobs.title")}
      extra={
        <>
          <Select allowClear placeholder={t("common.status")} style={{ width: 140, marginRight: 8 }} value={status}
            onChange={(v?: string) => { setStatus(v); setPage(1); }}
            options={STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))} />
          <Link to="/jobs/new"><Button type="primary">{t("jobs.new")}</Button></Link>
        </>
      }
    >
      {jobs.error && <QueryError error={jobs.error} onRetry={() => void jobs.refetch()} />}
      <Table<Job>
        rowKey="id"
        data-testid="jobs-table"
        loading={jobs.isLoading}
        dataSource={jobs.data?.items}
        locale={{ emptyText: <Empty description={<>{t("jobs.noJobs")}<br />{t("jobs.emptyHint")}</>}><Link to="/jobs/new"><Button type="primary">{t("nav.newJob")}</Button></Link></Empty> }}
        pagination={{ current: page, pageSize, total: jobs.data?.total, onChange: setPage }}
        columns={[
          { title: t("common.name"), dataIndex: "name", render: (name: string, j) => <Link to={`/jobs/${j.id}`}>{name}</Link> },
          { title: t("jobs.taskType"), dataIndex: "task_type", render: (v: string) => t(`tasks.${v}`, { defaultValue: v }) },
          { title: t("jobs.trainer"), dataIndex: "trainer", render: (v: string) => name("trainers", v) },
          { title: t("common.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
          {
            title: t("jobs.queuePosition"),
            dataIndex: "queue_position",
            render: (_: unknown, j) => (j.status === "queued" ? <span data-testid="jobs-queue-place">{queuePlace(t, j)}<br /><small>{t("jobs.estimatedStart")} {formatTime(j.estimated_start_at)}</small></span> : "—"),
          },
          { title: t("jobs.progress"), dataIndex: "progress", width: 160, render: (p: number, j) => <Progress percent={Math.round(p * 100)} size="small" status={j.status === "failed" ? "exception" : undefined} /> },
          { title: t("common.createdAt"), dataIndex: "created_at", render: formatTime },
          { title: t("models.title"), dataIndex: "model_version_id", render: (id?: string | null) => id && <Link to={`/models/${id}`}>{t("jobs.model")}</Link> },
        ]}
      />
    </Card>
  );
}
