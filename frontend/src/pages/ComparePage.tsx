/** Side-by-side comparison of 2–4 model versions: metrics table and overlaid curves. */
import { useQueries } from "@tanstack/react-query";
import { Card, Space, Table } from "antd";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { CurvesChart } from "../components/CurvesChart";
import { PageSkeleton } from "../components/PageSkeleton";
import { QueryError } from "../components/QueryError";
import { formatMetric } from "../lib/format";
import type { Point } from "../lib/jobStream";
import { seriesFromMetrics } from "../lib/models";

async function loadModel(id: string) {
  const model = await unwrap(api.GET("/api/v1/models/{model_id}", { params: { path: { model_id: id } } }));
  const metrics = model.job_id ? await unwrap(api.GET("/api/v1/jobs/{job_id}/metrics", { params: { path: { job_id: model.job_id } } })).catch(() => ({})) : {};
  return { model, series: seriesFromMetrics(metrics, `${model.name} v${model.version} · `) };
}

export function ComparePage() {
  const { t } = useTranslation();
  const [search] = useSearchParams();
  const ids = (search.get("ids") ?? "").split(",").filter(Boolean).slice(0, 4);
  const results = useQueries({ queries: ids.map((id) => ({ queryKey: ["compare", id], queryFn: () => loadModel(id) })) });
  if (results.some((r) => r.isLoading)) return <PageSkeleton />;
  const failed = results.find((r) => r.error);
  if (failed) return <QueryError error={failed.error} />;
  const loaded = results.map((r) => r.data!);
  const names = [...new Set(loaded.flatMap((l) => Object.keys(l.model.metrics).filter((k) => typeof l.model.metrics[k] === "number")))].sort();
  const rows = names.map((metric) => ({ metric, ...Object.fromEntries(loaded.map((l) => [l.model.id, l.model.metrics[metric]])) }));
  const series: Record<string, Point[]> = Object.assign({}, ...loaded.map((l) => l.series));

  return (
    <Space orientation="vertical" style={{ width: "100%" }} size="middle">
      <Card title={t("nav.compare")}>
        <Table
          size="small"
          rowKey="metric"
          pagination={false}
          dataSource={rows}
          data-testid="compare-table"
          columns={[
            { title: t("models.metric"), dataIndex: "metric" },
            ...loaded.map((l) => ({
              title: <Link to={`/models/${l.model.id}`}>{`${l.model.name} v${l.model.version}`}</Link>,
              dataIndex: l.model.id,
              render: formatMetric,
            })),
          ]}
        />
      </Card>
      <Card title={t("models.curves")}><CurvesChart series={series} height={380} /></Card>
    </Space>
  );
}
