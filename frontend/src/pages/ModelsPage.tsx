/** Model versions of the current project; select 2–4 to compare. */
import { useQuery } from "@tanstack/react-query";
import { Button, Card, Empty, Table, Tag, Tooltip } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { ModelVersionSummary } from "../api/domain";
import { QueryError } from "../components/QueryError";
import { metricName, useNames } from "../i18n/names";
import { useProject } from "../hooks/useProject";
import { formatBytes, formatMetric, formatTime } from "../lib/format";
import { scalarMetrics } from "../lib/models";

export function ModelsPage() {
  const { t } = useTranslation();
  const name = useNames();
  const navigate = useNavigate();
  const { project } = useProject();
  const projectId = project?.id ?? "";
  const [selected, setSelected] = useState<string[]>([]);
  const [page, setPage] = useState(1);
  const pageSize = 20;
  const models = useQuery({
    queryKey: ["models", projectId, page],
    enabled: !!projectId,
    queryFn: () => unwrap(api.GET("/api/v1/models", { params: { query: { project_id: projectId, limit: pageSize, offset: (page - 1) * pageSize } } })),
  });
  const canCompare = selected.length >= 2 && selected.length <= 4;
  // Only models of one task type compare: once one is chosen, the others are not selectable.
  const items = models.data?.items ?? [];
  const selectedTask = items.find((m) => selected.includes(m.id))?.task_type;

  return (
    <Card
      title={t("models.title")}
      extra={
        <Tooltip title={t("models.compareHint")}>
          <Button type="primary" disabled={!canCompare} onClick={() => navigate(`/models/compare?ids=${selected.join(",")}`)} data-testid="compare-button">
            {t("models.compare")} ({selected.length})
          </Button>
        </Tooltip>
      }
    >
      {models.error && <QueryError error={models.error} onRetry={() => void models.refetch()} />}
      <Table<ModelVersionSummary>
        rowKey="id"
        loading={models.isLoading}
        dataSource={models.data?.items}
        locale={{ emptyText: <Empty description={<>{t("models.noModels")}<br />{t("models.emptyHint")}</>}><Link to="/jobs/new"><Button type="primary">{t("nav.newJob")}</Button></Link></Empty> }}
        rowSelection={{
          selectedRowKeys: selected,
          onChange: (keys) => setSelected(keys.map(String).slice(0, 4)),
          getCheckboxProps: (m) => ({ disabled: !!selectedTask && m.task_type !== selectedTask && !selected.includes(m.id) }),
        }}
        pagination={{ current: page, pageSize, total: models.data?.total, onChange: setPage }}
        columns={[
          { title: t("common.name"), dataIndex: "name", render: (name: string, m) => <Link to={`/models/${m.id}`}>{name}</Link> },
          { title: t("models.version"), dataIndex: "version", render: (v: number) => `v${v}` },
          { title: t("jobs.taskType"), dataIndex: "task_type", render: (v: string) => t(`tasks.${v}`, { defaultValue: v }) },
          { title: t("models.trainer"), dataIndex: "trainer", render: (v: string) => name("trainers", v) },
          {
            title: t("models.metrics"),
            render: (_, m) => scalarMetrics(m).slice(0, 3).map(([k, v]) => <Tag key={k}>{`${metricName(name, k)}: ${formatMetric(v)}`}</Tag>),
          },
          { title: t("datasets.size"), dataIndex: "size_bytes", render: formatBytes },
          { title: t("common.createdAt"), dataIndex: "created_at", render: formatTime },
        ]}
      />
    </Card>
  );
}
