/** Datasets of the current project: upload, search, open, delete; refreshes while one is converted. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Empty, Input, Popconfirm, Table } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { Dataset } from "../api/domain";
import { QueryError } from "../components/QueryError";
import { StatusTag } from "../components/StatusTag";
import { UploadBox } from "../components/UploadBox";
import { useProject } from "../hooks/useProject";
import { isReady, pollWhileProcessing } from "../lib/datasets";
import { formatBytes, formatTime } from "../lib/format";
import { errorText } from "../api/errorText";

export function DatasetsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { project } = useProject();
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(1);
  const pageSize = 20;
  const projectId = project?.id ?? "";
  const canEdit = project?.my_role !== "viewer";

  const datasets = useQuery({
    queryKey: ["datasets", projectId, search, page],
    enabled: !!projectId,
    queryFn: () => {
      const query = { project_id: projectId, search: search || undefined, limit: pageSize, offset: (page - 1) * pageSize };
      return unwrap(api.GET("/api/v1/datasets", { params: { query } }));
    },
    refetchInterval: (query) => pollWhileProcessing(query.state.data?.items),
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/datasets/{dataset_id}", { params: { path: { dataset_id: id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["datasets"] }),
    onError: (err) => void message.error(errorText(err)),
  });

  return (
    <Card
      title={t("datasets.title")}
      extra={
        <Input.Search
          placeholder={t("datasets.searchPlaceholder")}
          allowClear
          onSearch={(v) => { setSearch(v); setPage(1); }}
          style={{ width: 240 }}
          data-testid="dataset-search"
        />
      }
    >
      {canEdit && projectId && (
        <div style={{ marginBottom: 16 }}>
          <UploadBox
            projectId={projectId}
            onUploaded={(d) => {
              void queryClient.invalidateQueries({ queryKey: ["datasets"] });
              navigate(`/datasets/${d.id}`);
            }}
          />
        </div>
      )}
      {datasets.error && <QueryError error={datasets.error} onRetry={() => void datasets.refetch()} />}
      <Table<Dataset>
        rowKey="id"
        loading={datasets.isLoading}
        dataSource={datasets.data?.items}
        locale={{ emptyText: <Empty description={<>{t("datasets.noDatasets")}<br />{t("datasets.emptyHint")}</>} /> }}
        pagination={{ current: page, pageSize, total: datasets.data?.total, onChange: setPage }}
        columns={[
          { title: t("common.name"), dataIndex: "name", render: (name: string, d) => <Link to={`/datasets/${d.id}`}>{name}</Link> },
          { title: t("common.status"), dataIndex: "status", render: (status: Dataset["status"]) => <StatusTag status={status} /> },
          { title: t("datasets.format"), dataIndex: "format", render: (f: string) => f || "—" },
          { title: t("datasets.rows"), dataIndex: "row_count", render: (n: number, d) => (isReady(d) ? n : "—") },
          { title: t("datasets.columns"), dataIndex: "columns", render: (c: Dataset["columns"], d) => (isReady(d) ? c.length : "—") },
          { title: t("datasets.size"), dataIndex: "size_bytes", render: formatBytes },
          { title: t("common.createdAt"), dataIndex: "created_at", render: formatTime },
          {
            title: t("common.actions"),
            render: (_, d) =>
              canEdit && (
                <Popconfirm title={t("datasets.deleteConfirm", { name: d.name })} onConfirm={() => remove.mutate(d.id)}>
                  <Button danger size="small">{t("common.delete")}</Button>
                </Popconfirm>
              ),
          },
        ]}
      />
    </Card>
  );
}
