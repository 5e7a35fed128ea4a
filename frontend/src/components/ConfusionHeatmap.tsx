/** Confusion matrix as an ECharts heatmap (rows: actual, columns: predicted). */
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Chart } from "./Chart";

export function ConfusionHeatmap({ labels, matrix }: { labels: string[]; matrix: number[][] }) {
  const { t } = useTranslation();
  const option = useMemo(() => {
    const data = matrix.flatMap((row, i) => row.map((count, j) => [j, i, count]));
    const max = Math.max(1, ...data.map((d) => d[2]));
    return {
      tooltip: { position: "top" },
      grid: { left: 90, right: 24, top: 16, bottom: 70 },
      xAxis: { type: "category", data: labels, name: t("models.predicted"), nameLocation: "middle", nameGap: 40, splitArea: { show: true } },
      yAxis: { type: "category", data: labels, name: t("models.actual"), inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max, calculable: false, orient: "horizontal", left: "center", bottom: 0, itemHeight: 80 },
      series: [{ type: "heatmap", data, label: { show: true } }],
    };
  }, [labels, matrix, t]);
  return <Chart option={option} height={Math.max(240, 60 + labels.length * 40)} testId="confusion-heatmap" />;
}
