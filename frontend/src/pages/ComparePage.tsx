/** Side-by-side comparison of 2–4 model versions of one task type: metrics with the best value
 * highlighted, the params that differ, and one chart per metric with every model's curve. */
import { useQueries } from "@tanstack/react-query";
import { Alert, Card, Col, Empty, Row, Space, Table, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { CurvesChart } from "../components/CurvesChart";
import { PageSkeleton } from "../components/PageSkeleton";
import { QueryError } from "../components/QueryError";
import { metricName, paramValue, useNames } from "../i18n/names";
import { bestValue, differingParams, lowerIsBetter } from "../lib/compare";
import { formatMetric } from "../lib/format";
import type { Point } from "../lib/jobStream";
import { seriesFromMetrics } from "../lib/models";

async function loadModel(id: string) {
  const model = await unwrap(api.GET("/api/v1/models/{model_id}", { params: { path: { model_id: id } } }));
  const metrics = model.job_id ? await unwrap(api.GET("/api/v1/jobs/{job_id}/metrics", { params: { path: { job_id: model.job_id } } })).catch(() => ({})) : {};
  return { model, series: seriesFromMetrics(metrics) };
}

export function ComparePage() {
  const { t } = useTranslation();
  const name = useNames();
  const [search] = useSearchParams();
  const ids = (search.get("ids") ?? "").split(",").filter(Boolean).slice(0, 4);
  const results = useQueries({ queries: ids.map((id) => ({ queryKey: ["compare", id], queryFn: () => loadModel(id) })) });
  if (results.some((r) => r.isLoading)) return <PageSkeleton />;
  const failed = results.find((r) => r.error);
  if (failed) return <QueryError error={failed.error} />;
  const loaded = results.map((r) => r.data!);
  const tasks = [...new Set(loaded.map((l) => l.model.task_type))];
  if (tasks.length > 1) {
    return <Alert type="warning" showIcon title={t("models.sameTaskOnly", { task: t(`tasks.${tasks[0]}`, { defaultValue: tasks[0] }) })} />;
  }
  const title = (l: (typeof loaded)[number]) => `${l.model.name} v${l.model.version}`;
  const metricNames = [...new Set(loaded.flatMap((l) => Object.keys(l.model.metrics).filter((k) => typeof l.model.metrics[k] === "number")))].sort();
  const metricRows = metricNames.map((metric) => ({ metric, ...Object.fromEntries(loaded.map((l) => [l.model.id, l.model.metrics[metric]])) }));
  const paramRows = differingParams(loaded.map((l) => l.model.params)).map((param) => ({ param, ...Object.fromEntries(loaded.map((l) => [l.model.id, l.model.params[param]])) }));
  const curveNames = [...new Set(loaded.flatMap((l) => Object.keys(l.series)))].sort();
  const modelColumns = (render: (value: unknown, row: Record<string, unknown>) => React.ReactNode) =>
    loaded.map((l) => ({ title: <Link to={`/models/${l.model.id}`}>{title(l)}</Link>, dataIndex: l.model.id, render }));

  return (
    <Space orientation="vertical" style={{ width: "100%" }} size="middle">
      <Card title={t("nav.compare")}>
        <Table size="small" rowKey="metric" pagination={false} dataSource={metricRows} data-testid="compare-table"
          columns={[
            { title: t("models.metric"), dataIndex: "metric", render: (m: string) => <>{metricName(name, m)} <Typography.Text type="secondary">({lowerIsBetter(m) ? t("models.lowerIsBetter") : t("models.higherIsBetter")})</Typography.Text></> },
            ...modelColumns((value, row) => {
              const best = bestValue(String(row.metric), loaded.map((l) => row[l.model.id]));
              return value === best && loaded.length > 1
                ? <Typography.Text strong type="success" data-testid="best-value">{formatMetric(value)} ★</Typography.Text>
                : formatMetric(value);
            }),
          ]} />
      </Card>
      <Card title={t("models.paramDiff")}>
        <Table size="small" rowKey="param" pagination={false} dataSource={paramRows} data-testid="param-diff"
          locale={{ emptyText: t("common.empty") }}
          columns={[
            { title: t("jobs.param"), dataIndex: "param", render: (p: string) => name("params", p) },
            ...modelColumns((value, row) => (value === undefined ? "—" : paramValue(name, String(row.param), value))),
          ]} />
      </Card>
      <Row gutter={[16, 16]}>
        {curveNames.length === 0 && <Col span={24}><Card><Empty description={t("jobs.noMetrics")} /></Card></Col>}
        {curveNames.map((curve) => {
          const series: Record<string, Point[]> = Object.fromEntries(loaded.filter((l) => l.series[curve]).map((l) => [title(l), l.series[curve]]));
          return (
            <Col key={curve} xs={24} xl={12}>
              <Card size="small" title={metricName(name, curve)}><CurvesChart series={series} height={260} /></Card>
            </Col>
          );
        })}
      </Row>
    </Space>
  );
}
