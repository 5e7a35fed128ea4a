/** Line chart of metric series keyed "split/name" (several jobs: prefix the key with a label). */
import { Empty } from "antd";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { metricName, useNames } from "../i18n/names";
import type { Point } from "../lib/jobStream";
import { LineChart } from "echarts/charts";
import { Chart, registerChartParts } from "./Chart";

registerChartParts([LineChart]);

export function CurvesChart({ series, height = 320 }: { series: Record<string, Point[]>; height?: number }) {
  const { t } = useTranslation();
  const name = useNames();
  const names = useMemo(() => Object.keys(series).filter((k) => series[k].length > 1 || !/(^|· )test\//.test(k)), [series]);
  const option = useMemo(
    () => ({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 48, right: 24, top: 36, bottom: 36 },
      xAxis: { type: "value", name: t("jobs.step"), nameLocation: "middle", nameGap: 24, minInterval: 1 },
      yAxis: { type: "value", scale: true },
      series: names.map((key) => ({ name: metricName(name, key), type: "line", showSymbol: series[key].length < 30, data: series[key] })),
    }),
    [series, names, t, name],
  );
  if (!names.length) return <Empty description={t("jobs.noMetrics")} />;
  return <Chart option={option} height={height} testId="curves-chart" />;
}
