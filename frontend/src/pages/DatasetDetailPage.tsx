/** One dataset: summary, paged preview, column profile with charts, validation, delete; a converting
 * dataset shows its state and refreshes until ready, a failed one its error. */
import { useMutation, useQuery } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Descriptions, Empty, Popconfirm, Row, Space, Spin, Table, Tabs } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { Dataset } from "../api/domain";
import { ColumnProfileCard } from "../components/ColumnProfileCard";
import { PageSkeleton } from "../components/PageSkeleton";
import { QueryError } from "../components/QueryError";
import { StatusTag } from "../components/StatusTag";
import { ValidationPanel } from "../components/ValidationPanel";
import { isReady, pollWhileProcessing } from "../lib/datasets";
import { downloadFile } from "../lib/download";
import { formatBytes, formatTime } from "../lib/format";
import { normalizePreview, normalizeProfile } from "../lib/profile";
import { useNames } from "../i18n/names";
import { errorText } from "../api/errorText";

function Preview({ dataset }: { dataset: Dataset }) {
  const { t } = useTranslation();
  const [page, setPage] = useState(1);
  const pageSize = 20;
  const preview = useQuery({
    queryKey: ["preview", dataset.id, page],
    queryFn: async () =>
      normalizePreview(
        await unwrap(api.GET("/api/v1/datasets/{dataset_id}/preview", { params: { path: { dataset_id: dataset.id }, query: { offset: (page - 1) * pageSize, limit: pageSize } } })),
        dataset.columns.map((c) => c.name),
      ),
    placeholderData: (previous) => previous,
  });
  if (preview.error) return <QueryError error={preview.error} onRetry={() => void preview.refetch()} />;
  const offset = (page - 1) * pageSize;
  return (
    <Table
      size="small"
      data-testid="preview-table"
      loading={preview.isFetching}
      rowKey={(_, i) => String(offset + (i ?? 0))}
      dataSource={preview.data?.rows}
      scroll={{ x: "max-content" }}
      pagination={{ current: page, pageSize, total: preview.data?.total ?? dataset.row_count, onChange: setPage, showSizeChanger: false }}
      columns={(preview.data?.columns ?? []).map((c) => ({
        title: c,
        dataIndex: c,
        ellipsis: true,
        render: (v: unknown) => (v === null || v === undefined ? <i style={{ color: "#bbb" }}>{t("datasets.missing")}</i> : String(v)),
      }))}
    />
  );
}

function Profile({ dataset }: { dataset: Dataset }) {
  const { t } = useTranslation();
  const profile = useQuery({
    queryKey: ["profile", dataset.id],
    queryFn: async () => normalizeProfile(await unwrap(api.GET("/api/v1/datasets/{dataset_id}/profile", { params: { path: { dataset_id: dataset.id } } }))),
  });
  if (profile.isLoading) return <PageSkeleton />;
  if (profile.error) return <QueryError error={profile.error} onRetry={() => void profile.refetch()} />;
  if (!profile.data?.length) return <Empty description={t("common.empty")} />;
  return (
    <Row gutter={[12, 12]}>
      {profile.data.map((column) => (
        <Col key={column.name} xs={24} md={12} xl={8}>
          <ColumnProfileCard column={column} />
        </Col>
      ))}
    </Row>
  );
}

/** What a dataset that is not ready shows instead of its preview, profile and validation. */
function NotReady({ dataset, onDelete, deleting }: { dataset: Dataset; onDelete: () => void; deleting: boolean }) {
  const { t } = useTranslation();
  const name = useNames();
  if (dataset.status === "processing") {
    return <Alert type="info" showIcon icon={<Spin size="small" />} title={t("datasets.processingHint")} data-testid="dataset-processing" />;
  }
  return (
    <Alert
      type="error"
      showIcon
      title={t("datasets.failedTitle")}
      description={
        <>
          <div data-testid="dataset-error">{dataset.error ? name("errorCodes", dataset.error.code, dataset.error.message, dataset.error.details as Record<string, unknown>) : null}</div>
          <div>{t("datasets.failedHint")}</div>
        </>
      }
      action={
        <Popconfirm title={t("datasets.deleteConfirm", { name: dataset.name })} onConfirm={onDelete}>
          <Button danger loading={deleting}>{t("common.delete")}</Button>
        </Popconfirm>
      }
      data-testid="dataset-failed"
    />
  );
}

export function DatasetDetailPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const dataset = useQuery({
    queryKey: ["dataset", id],
    queryFn: () => unwrap(api.GET("/api/v1/datasets/{dataset_id}", { params: { path: { dataset_id: id } } })),
    refetchInterval: (query) => pollWhileProcessing(query.state.data ? [query.state.data] : undefined),
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE("/api/v1/datasets/{dataset_id}", { params: { path: { dataset_id: id } } })),
    onSuccess: () => navigate("/datasets"),
    onError: (err) => void message.error(errorText(err)),
  });

  if (dataset.isLoading) return <PageSkeleton />;
  if (dataset.error || !dataset.data) return <QueryError error={dataset.error} onRetry={() => void dataset.refetch()} />;
  const d = dataset.data;
  const ready = isReady(d);
  const download = (query: string) =>
    downloadFile(`/datasets/${d.id}/download${query}`, query ? `${d.name.replace(/\.[^.]+$/, "")}.csv` : (d.original_filename ?? d.name))
      .catch((e: unknown) => void message.error(errorText(e)));
  return (
    <Space orientation="vertical" style={{ width: "100%" }} size="middle">
      <Card
        title={<Space>{d.name}<span data-testid="dataset-status"><StatusTag status={d.status} /></span></Space>}
        extra={
          <Space>
            {ready ? (
              <Link to={`/jobs/new?dataset=${d.id}`}><Button type="primary">{t("dashboard.train")}</Button></Link>
            ) : (
              <Button type="primary" disabled>{t("dashboard.train")}</Button>
            )}
            {ready && (
              <>
                <Button onClick={() => void download("")} data-testid="dataset-download">{t("datasets.downloadOriginal")}</Button>
                <Button onClick={() => void download("?format=csv")}>{t("datasets.downloadCsv")}</Button>
              </>
            )}
            <Popconfirm title={t("datasets.deleteConfirm", { name: d.name })} onConfirm={() => remove.mutate()}>
              <Button danger>{t("common.delete")}</Button>
            </Popconfirm>
          </Space>
        }
      >
        <Descriptions size="small" column={4}>
          <Descriptions.Item label={t("datasets.rows")}>{ready ? d.row_count : "—"}</Descriptions.Item>
          <Descriptions.Item label={t("datasets.columns")}>{ready ? d.columns.length : "—"}</Descriptions.Item>
          <Descriptions.Item label={t("datasets.size")}>{formatBytes(d.size_bytes)}</Descriptions.Item>
          <Descriptions.Item label={t("datasets.format")}>{d.format ? d.format.toUpperCase() : "—"}</Descriptions.Item>
          <Descriptions.Item label={t("datasets.encoding")}>{d.encoding ? d.encoding.toUpperCase() : "—"}</Descriptions.Item>
          <Descriptions.Item label={t("common.createdAt")}>{formatTime(d.created_at)}</Descriptions.Item>
        </Descriptions>
      </Card>
      {ready ? (
        <Card>
          <Tabs
            items={[
              { key: "preview", label: t("datasets.preview"), children: <Preview dataset={d} /> },
              { key: "profile", label: t("datasets.profile"), children: <Profile dataset={d} /> },
              { key: "validate", label: t("datasets.validation"), children: <ValidationPanel dataset={d} /> },
            ]}
          />
        </Card>
      ) : (
        <NotReady dataset={d} onDelete={() => remove.mutate()} deleting={remove.isPending} />
      )}
    </Space>
  );
}
