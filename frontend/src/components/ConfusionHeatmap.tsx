/** Confusion matrix as an ECharts heatmap: rows are the true classes, columns the predictions;
 * counts, or each row normalised to the share of its true class. */
import { Segmented, Space, Typography } from "antd";
import { HeatmapChart } from "echarts/charts";
import { VisualMapComponent } from "echarts/components";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Chart, registerChartParts } from "./Chart";

registerChartParts([HeatmapChart, VisualMapComponent]);

/** Each row divided by its total (a row of zeros stays zeros). */
export function normaliseRows(matrix: number[][]): number[][] {
  return matrix.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total ? Math.round((v / total) * 1000) / 1000 : 0));
  });
}

export function ConfusionHeatmap({ labels, matrix }: { labels: string[]; matrix: number[][] }) {
  const { t } = useTranslation();
  const [view, setView] = useState<"counts" | "normalised">("counts");
  const option = useMemo(() => {
    const shown = view === "counts" ? matrix : normaliseRows(matrix);
    const data = shown.flatMap((row, i) => row.map((value, j) => [j, i, value]));
    const max = view === "counts" ? Math.max(1, ...data.map((d) => d[2])) : 1;
    return {
      tooltip: {
        position: "top",
        formatter: (p: { value: number[] }) =>
          `${t("models.actual")}: ${labels[p.value[1]]}<br/>${t("models.predicted")}: ${labels[p.value[0]]}<br/>${
            view === "counts" ? p.value[2] : `${(p.value[2] * 100).toFixed(1)}%`}`,
      },
      grid: { left: 110, right: 24, top: 16, bottom: 90 },
      xAxis: { type: "category", data: labels, name: t("models.predictedAxis"), nameLocation: "middle", nameGap: 36, splitArea: { show: true }, axisLabel: { interval: 0, rotate: labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "category", data: labels, name: t("models.actualAxis"), nameLocation: "middle", nameGap: 90, inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 80 },
      series: [{
        type: "heatmap",
        data,
        label: { show: true, formatter: (p: { value: number[] }) => (view === "counts" ? String(p.value[2]) : `${Math.round(p.value[2] * 100)}%`) },
      }],
    };
  }, [labels, matrix, t, view]);
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Space>
        <Typography.Text type="secondary">{t("models.confusionView")}</Typography.Text>
        <Segmented
          data-testid="confusion-view"
          value={view}
          onChange={(v) => setView(v as "counts" | "normalised")}
          options={[{ value: "counts", label: t("models.counts") }, { value: "normalised", label: t("models.normalised") }]}
        />
      </Space>
      <Chart option={option} height={Math.max(260, 110 + labels.length * 40)} testId="confusion-heatmap" />
    </Space>
  );
}
