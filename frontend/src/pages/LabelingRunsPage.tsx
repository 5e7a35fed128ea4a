/** The project's labeling runs: status, progress, cost against the budget, teachers; polled while one is active. */
import { PlusOutlined } from "@ant-design/icons";
import { useQuery } from "@tanstack/react-query";
import { Button, Card, Empty, Progress, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { QueryError } from "../components/QueryError";
import { StatusTag } from "../components/StatusTag";
import { useProject } from "../hooks/useProject";
import { formatTime } from "../lib/format";
import { ACTIVE_RUN_STATUSES, formatMoney, type LabelingRun } from "../lib/teachers";

const PAGE_SIZE = 20;
const POLL_MS = 3000;

export function LabelingRunsPage() {
  const { t, i18n } = useTranslation();
  const { project } = useProject();
  const projectId = project?.id ?? "";
  const [page, setPage] = useState(1);
  const runs = useQuery({
    queryKey: ["labeling-runs", projectId, page],
    enabled: !!projectId,
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/labeling-runs", {
          params: { query: { project_id: projectId, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE } },
        }),
      ),
    refetchInterval: (query) =>
      query.state.data?.items.some((r) => ACTIVE_RUN_STATUSES.has(r.status)) ? POLL_MS : false,
  });
  const create = (
    <Link to="/labeling/new">
      <Button type="primary" icon={<PlusOutlined />} data-testid="new-labeling-run">{t("labeling.create")}</Button>
    </Link>
  );

  return (
    <Card title={t("labeling.runs")} extra={create}>
      {runs.error && <QueryError error={runs.error} onRetry={() => void runs.refetch()} />}
      <Table<LabelingRun>
        rowKey="id"
        loading={runs.isLoading}
        dataSource={runs.data?.items}
        pagination={{ current: page, pageSize: PAGE_SIZE, total: runs.data?.total, onChange: setPage }}
        locale={{ emptyText: <Empty description={`${t("labeling.noRuns")} · ${t("labeling.emptyHint")}`} /> }}
        columns={[
          { title: t("labeling.name"), dataIndex: "name", render: (name: string, r) => <Link to={`/labeling/${r.id}`}>{name}</Link> },
          { title: t("common.status"), dataIndex: "status", render: (s: string) => <StatusTag status={s} /> },
          {
            title: t("labeling.progress"),
            render: (_, r) => (
              <Progress
                size="small"
                style={{ minWidth: 120 }}
                percent={r.rows_total ? Math.floor((r.rows_done / r.rows_total) * 100) : 0}
                status={r.status === "running" ? "active" : undefined}
              />
            ),
          },
          {
            title: t("labeling.cost"),
            render: (_, r) =>
              t("labeling.costOfBudget", {
                cost: formatMoney(r.cost, r.currency, i18n.language),
                budget: formatMoney(r.budget, r.currency, i18n.language),
              }),
          },
          {
            title: t("labeling.teachers"),
            render: (_, r) => r.teachers.map((tr, i) => <Tag key={i}>{String(tr.model)}</Tag>),
          },
          { title: t("common.createdAt"), dataIndex: "created_at", render: formatTime },
        ]}
      />
    </Card>
  );
}
