/** Model versions of the current project; select 2–4 to compare. */
import { useQuery } from "@tanstack/react-query";
import { Button, Card, Empty, Table, Tag, Tooltip } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { ModelVersion } from "../api/domain";
import { QueryError } from "../components/QueryError";
import { useProject } from "../hooks/useProject";
import { formatBytes, formatMetric, formatTime } from "../lib/format";
import { scalarMetrics } from "../lib/models";

export function ModelsPage() {
  const { t } = useTranslation();
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
      <Table<ModelVersion>
        rowKey="id"
        loading={models.isLoading}
        dataSource={models.data?.items}
        locale={{ emptyText: <Empty description={t("models.noModels")} /> }}
        rowSelection={{ selectedRowKeys: selected, onChange: (keys) => setSelected(keys.map(String).slice(0, 4)) }}
        pagination={{ current: page, pageSize, total: models.data?.total, onChange: setPage }}
        columns={[
          { title: t("common.name"), dataIndex: "name", render: (name: string, m) => <Link to={`/models/${m.id}`}>{name}</Link> },
          { title: t("models.version"), dataIndex: "version", render: (v: number) => `v${v}` },
          { title: t("jobs.taskType"), dataIndex: "task_type", render: (v: string) => t(`tasks.${v}`, { defaultValue: v }) },
          { title: "Trainer", dataIndex: "trainer" },
          {
            title: t("models.metrics"),
            render: (_, m) => scalarMetrics(m).slice(0, 3).map(([k, v]) => <Tag key={k}>{k}: {formatMetric(v)}</Tag>),
          },
          { title: t("datasets.size"), dataIndex: "size_bytes", render: formatBytes },
          { title: t("common.createdAt"), dataIndex: "created_at", render: formatTime },
        ]}
      />
    </Card>
  );
}
