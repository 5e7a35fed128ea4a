/** Overview of the current project: counts, active jobs, recent models, recent activity. */
import { useQueries, useQuery } from "@tanstack/react-query";
import { Button, Card, Col, Empty, List, Row, Space, Statistic } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { StatusTag } from "../components/StatusTag";
import { useProject } from "../hooks/useProject";
import { useMe } from "../hooks/useSession";
import { useNames } from "../i18n/names";
import { isReady, pollWhileProcessing } from "../lib/datasets";
import { formatTime } from "../lib/format";
import { liveInterval } from "./JobsPage";

export function DashboardPage() {
  const { t } = useTranslation();
  const name = useNames();
  const { project } = useProject();
  const me = useMe();
  const projectId = project?.id ?? "";
  const enabled = !!projectId;
  const datasets = useQuery({
    queryKey: ["datasets", projectId, "dash"],
    enabled,
    queryFn: () => unwrap(api.GET("/api/v1/datasets", { params: { query: { project_id: projectId, limit: 5 } } })),
    refetchInterval: (q) => pollWhileProcessing(q.state.data?.items),
  });
  const jobs = useQuery({
    queryKey: ["jobs", projectId, "dash"],
    enabled,
    queryFn: () => unwrap(api.GET("/api/v1/jobs", { params: { query: { project_id: projectId, limit: 8 } } })),
    refetchInterval: (q) => liveInterval(q.state.data?.items),
  });
  const models = useQuery({ queryKey: ["models", projectId, "dash"], enabled, queryFn: () => unwrap(api.GET("/api/v1/models", { params: { query: { project_id: projectId, limit: 5 } } })) });
  const activity = useQuery({
    queryKey: ["audit", "dash", projectId],
    enabled: enabled && me.data?.role === "admin",
    queryFn: () => unwrap(api.GET("/api/v1/audit-logs", { params: { query: { project_id: projectId, limit: 8 } } })),
  });
  const activeCounts = useQueries({
    queries: (["queued", "running", "cancelling"] as const).map((status) => ({
      queryKey: ["jobs", projectId, "count", status],
      enabled,
      queryFn: () => unwrap(api.GET("/api/v1/jobs", { params: { query: { project_id: projectId, status, limit: 1 } } })),
      refetchInterval: liveInterval(jobs.data?.items),
    })),
  });
  const active = activeCounts.reduce((sum, q) => sum + (q.data?.total ?? 0), 0);

  if (enabled && datasets.data?.total === 0 && jobs.data?.total === 0) {
    return (
      <Card>
        <Empty description={t("dashboard.getStarted")}>
          <Link to="/datasets"><Button type="primary">{t("dashboard.upload")}</Button></Link>
        </Empty>
      </Card>
    );
  }
  return (
    <Space orientation="vertical" style={{ width: "100%" }} size="middle">
      <Row gutter={16}>
        <Col span={8}><Card loading={datasets.isLoading}><Statistic title={t("dashboard.datasets")} value={datasets.data?.total ?? 0} /></Card></Col>
        <Col span={8}><Card loading={jobs.isLoading}><Statistic title={t("dashboard.activeJobs")} value={active} /></Card></Col>
        <Col span={8}><Card loading={models.isLoading}><Statistic title={t("dashboard.models")} value={models.data?.total ?? 0} /></Card></Col>
      </Row>
      <Row gutter={16}>
        <Col xs={24} xl={12}>
          <Card title={t("dashboard.recentJobs")} extra={<Link to="/jobs/new">{t("dashboard.train")}</Link>}>
            <List loading={jobs.isLoading} dataSource={jobs.data?.items} locale={{ emptyText: t("jobs.noJobs") }}
              renderItem={(j) => (
                <List.Item extra={<StatusTag status={j.status} />}>
                  <List.Item.Meta title={<Link to={`/jobs/${j.id}`}>{j.name}</Link>} description={`${Math.round(j.progress * 100)}% · ${formatTime(j.created_at)}`} />
                </List.Item>
              )} />
          </Card>
        </Col>
        <Col xs={24} xl={12}>
          <Card title={t("dashboard.recentModels")}>
            <List loading={models.isLoading} dataSource={models.data?.items} locale={{ emptyText: t("models.noModels") }}
              renderItem={(m) => (
                <List.Item>
                  <List.Item.Meta title={<Link to={`/models/${m.id}`}>{`${m.name} v${m.version}`}</Link>} description={formatTime(m.created_at)} />
                </List.Item>
              )} />
          </Card>
          <Card title={t("dashboard.datasets")} style={{ marginTop: 16 }}>
            <List loading={datasets.isLoading} dataSource={datasets.data?.items} locale={{ emptyText: t("datasets.noDatasets") }}
              renderItem={(d) => (
                <List.Item>
                  <List.Item.Meta title={<Link to={`/datasets/${d.id}`}>{d.name}</Link>}
                    description={isReady(d) ? `${d.row_count} × ${d.columns.length}` : <StatusTag status={d.status} />} />
                </List.Item>
              )} />
          </Card>
          {me.data?.role === "admin" && (
            <Card title={t("dashboard.recentActivity")} style={{ marginTop: 16 }}>
              <List size="small" loading={activity.isLoading} dataSource={activity.data?.items}
                renderItem={(a) => (
                  <List.Item>
                    {`${formatTime(a.created_at)} · `}<span data-user-content>{a.actor_username ?? "—"}</span>{` · ${name("auditActions", a.action)}`}
                  </List.Item>
                )} />
            </Card>
          )}
        </Col>
      </Row>
    </Space>
  );
}
