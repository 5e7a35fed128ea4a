/** One model version: metrics, confusion heatmap, per-class table, importance or mistakes, card, download, try it. */
import { useQuery } from "@tanstack/react-query";
import { App, Button, Card, Col, Descriptions, Empty, Row, Space, Table, Tabs, Tag } from "antd";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { BarChart as Chart } from "../components/BarChart";
import { ConfusionHeatmap } from "../components/ConfusionHeatmap";
import { CurvesChart } from "../components/CurvesChart";
import { PageSkeleton } from "../components/PageSkeleton";
import { PredictPanel } from "../components/PredictPanel";
import { ChatPlayground } from "../components/llm/ChatPlayground";
import { LlmEvaluation } from "../components/llm/LlmEvaluation";
import { QueryError } from "../components/QueryError";
import { metricName, paramValue, useNames } from "../i18n/names";
import { downloadFile } from "../lib/download";
import { formatBytes, formatMetric, formatTime } from "../lib/format";
import { inputColumns, readReport, scalarMetrics, seriesFromMetrics, type Importance, type Mistake, type PerClass } from "../lib/models";
import { errorText } from "../api/errorText";

function ImportanceChart({ items }: { items: Importance[] }) {
  const option = useMemo(() => {
    const top = items.slice(0, 15).reverse();
    return {
      grid: { left: 120, right: 24, top: 8, bottom: 24 },
      tooltip: {},
      xAxis: { type: "value" },
      yAxis: { type: "category", data: top.map((i) => i.feature) },
      series: [{ type: "bar", data: top.map((i) => Number(i.importance.toFixed(4))), itemStyle: { color: "#1677ff" } }],
    };
  }, [items]);
  return <Chart option={option} height={Math.max(200, items.slice(0, 15).length * 24 + 40)} testId="importance-chart" />;
}

function MistakesTable({ items }: { items: Mistake[] }) {
  const { t } = useTranslation();
  return (
    <Table<Mistake>
      size="small"
      rowKey={(_, i) => String(i)}
      dataSource={items}
      pagination={{ pageSize: 10 }}
      columns={[
        { title: t("models.input"), render: (_, m) => <code style={{ fontSize: 12 }}>{m.text ?? JSON.stringify(m.row)}</code> },
        { title: t("models.actual"), dataIndex: "true", render: String },
        { title: t("models.predicted"), dataIndex: "predicted", render: String },
        { title: t("models.confidence"), dataIndex: "confidence", render: formatMetric },
      ]}
    />
  );
}

function Curves({ jobId }: { jobId: string }) {
  const metrics = useQuery({
    queryKey: ["job-metrics", jobId],
    queryFn: async () => seriesFromMetrics(await unwrap(api.GET("/api/v1/jobs/{job_id}/metrics", { params: { path: { job_id: jobId } } }))),
  });
  if (metrics.isLoading) return <PageSkeleton rows={3} />;
  return <CurvesChart series={metrics.data ?? {}} />;
}

export function ModelDetailPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const name = useNames();
  const { message } = App.useApp();
  const model = useQuery({ queryKey: ["model", id], queryFn: () => unwrap(api.GET("/api/v1/models/{model_id}", { params: { path: { model_id: id } } })) });
  if (model.isLoading) return <PageSkeleton />;
  if (model.error || !model.data) return <QueryError error={model.error} onRetry={() => void model.refetch()} />;
  const m = model.data;
  const report = readReport(m);
  const download = () => downloadFile(`/models/${m.id}/download`, `model-${m.id}.zip`).catch((e: unknown) => void message.error(errorText(e)));

  const perClassColumns = [
    { title: t("models.label"), dataIndex: "label", render: String },
    { title: t("models.precision"), dataIndex: "precision", render: formatMetric },
    { title: t("models.recall"), dataIndex: "recall", render: formatMetric },
    { title: t("models.f1"), dataIndex: "f1", render: formatMetric },
    { title: t("models.support"), dataIndex: "support" },
  ];
  const isChat = m.task_type === "llm_sft";
  const tabs = [
    isChat ? { key: "eval", label: t("llm.evaluation"), children: <LlmEvaluation report={m.report} /> } : {
      key: "eval",
      label: t("models.metrics"),
      children: (
        <Row gutter={[16, 16]}>
          {report.confusion && (
            <Col xs={24} xl={12}><Card size="small" title={t("models.confusion")}><ConfusionHeatmap labels={report.labels} matrix={report.confusion} /></Card></Col>
          )}
          {report.perClass.length > 0 && (
            <Col xs={24} xl={12}><Card size="small" title={t("models.perClass")}><Table<PerClass> size="small" rowKey="label" pagination={false} dataSource={report.perClass} columns={perClassColumns} /></Card></Col>
          )}
          {report.importance.length > 0 && (
            <Col xs={24} xl={12}><Card size="small" title={t("models.importance")}><ImportanceChart items={report.importance} /></Card></Col>
          )}
          {report.mistakes.length > 0 && (
            <Col xs={24}><Card size="small" title={t("models.mistakes")}><MistakesTable items={report.mistakes} /></Card></Col>
          )}
          {!report.confusion && !report.importance.length && !report.mistakes.length && <Col span={24}><Empty /></Col>}
        </Row>
      ),
    },
    { key: "curves", label: t("models.curves"), children: m.job_id ? <Curves jobId={m.job_id} /> : <Empty /> },
    isChat
      ? { key: "try", label: t("llm.playground"), children: <ChatPlayground modelId={m.id} /> }
      : { key: "try", label: t("models.tryIt"), children: <PredictPanel model={m} /> },
    {
      key: "card",
      label: t("models.card"),
      children: (
        <Descriptions bordered size="small" column={1} data-testid="model-card">
          <Descriptions.Item label={t("jobs.taskType")}>{t(`tasks.${m.task_type}`, { defaultValue: m.task_type })}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.targetColumn")}><span data-user-content>{String(m.columns.target ?? m.columns.label ?? "—")}</span></Descriptions.Item>
          <Descriptions.Item label={t("models.input")}><span data-user-content>{inputColumns(m).join(", ")}</span></Descriptions.Item>
          {report.labels.length > 0 && <Descriptions.Item label={t("models.class")}><span data-user-content>{report.labels.map((l) => <Tag key={l}>{l}</Tag>)}</span></Descriptions.Item>}
          <Descriptions.Item label={t("models.trainer")}>{name("trainers", m.trainer)}</Descriptions.Item>
          <Descriptions.Item label={t("jobs.params")}>
            {Object.entries(m.params).map(([k, v]) => <Tag key={k}>{`${name("params", k)}: ${paramValue(name, k, v)}`}</Tag>)}
          </Descriptions.Item>
          <Descriptions.Item label={t("jobs.dataset")}>{m.dataset_id ? <Link to={`/datasets/${m.dataset_id}`} data-user-content>{m.dataset_id}</Link> : "—"}</Descriptions.Item>
          <Descriptions.Item label={m.description ? t("common.details") : "—"}><span data-user-content>{m.description || "—"}</span></Descriptions.Item>
        </Descriptions>
      ),
    },
  ];

  return (
    <Space orientation="vertical" style={{ width: "100%" }} size="middle">
      <Card
        title={`${m.name} v${m.version}`}
        extra={
          <Space>
            {m.job_id && <Link to={`/jobs/${m.job_id}`}><Button>{t("models.job")}</Button></Link>}
            <Button type="primary" onClick={() => void download()}>{t("models.download")}</Button>
          </Space>
        }
      >
        <Descriptions size="small" column={4}>
          {scalarMetrics(m).map(([k, v]) => <Descriptions.Item key={k} label={metricName(name, k)}>{formatMetric(v)}</Descriptions.Item>)}
          <Descriptions.Item label={t("datasets.size")}>{formatBytes(m.size_bytes)}</Descriptions.Item>
          <Descriptions.Item label={t("common.createdAt")}>{formatTime(m.created_at)}</Descriptions.Item>
        </Descriptions>
      </Card>
      <Card><Tabs items={tabs} /></Card>
    </Space>
  );
}
