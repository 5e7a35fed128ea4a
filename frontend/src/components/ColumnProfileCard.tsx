/** One column of a dataset's profile: counts, statistics and a small chart. */
import { Card, Descriptions, Typography } from "antd";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import type { ColumnProfile } from "../lib/profile";
import { useNames } from "../i18n/names";
import { BarChart as Chart } from "./BarChart";

/** "mean" → 均值; a text length statistic "len p50" → 文本长度 · 中位数. */
function statLabel(name: ReturnType<typeof useNames>, key: string): string {
  const [head, rest] = key.startsWith("len ") ? ["length", key.slice(4)] : [null, key];
  const label = name("stats", rest);
  return head ? `${name("stats", head)}${label}` : label;
}

export function ColumnProfileCard({ column }: { column: ColumnProfile }) {
  const { t } = useTranslation();
  const name = useNames();
  const option = useMemo(() => {
    if (column.histogram) {
      return {
        grid: { left: 36, right: 8, top: 8, bottom: 36 },
        tooltip: {},
        xAxis: { type: "category", data: column.histogram.labels, axisLabel: { fontSize: 9, rotate: 30 } },
        yAxis: { type: "value", axisLabel: { fontSize: 9 } },
        series: [{ type: "bar", data: column.histogram.counts, itemStyle: { color: "#1677ff" } }],
      };
    }
    if (column.top.length && (column.kind !== "numeric" || (column.unique ?? 0) <= 20)) {
      const top = column.top.slice(0, 8).reverse();
      return {
        grid: { left: 80, right: 16, top: 8, bottom: 20 },
        tooltip: {},
        xAxis: { type: "value", axisLabel: { fontSize: 9 } },
        yAxis: { type: "category", data: top.map((v) => v.value.slice(0, 12)), axisLabel: { fontSize: 10 } },
        series: [{ type: "bar", data: top.map((v) => v.count), itemStyle: { color: "#13a8a8" } }],
      };
    }
    return null;
  }, [column]);

  return (
    <Card size="small" title={<Typography.Text strong>{column.name}</Typography.Text>} extra={[...new Set([name("dtypes", column.dtype), column.kind ? name("dtypes", column.kind) : ""])].filter(Boolean).join(" · ")} data-testid="column-profile">
      <Descriptions size="small" column={2}>
        <Descriptions.Item label={t("datasets.missing")}>{column.missing ?? "—"}</Descriptions.Item>
        <Descriptions.Item label={t("datasets.unique")}>{column.unique ?? "—"}</Descriptions.Item>
        {column.stats.slice(0, 6).map(([k, v]) => (
          <Descriptions.Item key={k} label={statLabel(name, k)}>{v}</Descriptions.Item>
        ))}
      </Descriptions>
      {option && <Chart option={option} height={150} />}
    </Card>
  );
}
