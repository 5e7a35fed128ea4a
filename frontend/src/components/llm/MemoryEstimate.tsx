/** The memory a fine-tuning run needs with the settings being edited, against what is free. */
import { useQuery } from "@tanstack/react-query";
import { Alert, Card, Collapse, Progress, Space, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { errorText } from "../../api/errorText";
import type { components } from "../../api/schema";
import { formatBytes } from "../../lib/format";
import { memoryVerdict } from "../../lib/llm";

export type Estimate = components["schemas"]["MemoryEstimateRead"];
const SETTLE_MS = 400;

/** `value`, once it stopped changing for a moment. */
function useSettled<T>(value: T): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [value]);
  return settled;
}

export function useMemoryEstimate(baseModel: string | undefined, params: Record<string, unknown>) {
  const settled = useSettled(JSON.stringify(params));
  return useQuery({
    queryKey: ["memory-estimate", baseModel, settled],
    enabled: !!baseModel,
    placeholderData: (previous) => previous,
    queryFn: () => unwrap(api.POST("/api/v1/finetune/memory-estimate", { body: { base_model: baseModel ?? "", params: JSON.parse(settled) as Record<string, unknown> } })),
  });
}

/** The verdict as an alert, with what to lower when it does not fit. */
export function MemoryVerdict({ estimate }: { estimate: Estimate }) {
  const { t } = useTranslation();
  const verdict = memoryVerdict(estimate);
  const lower = estimate.lower.map((item) => t(`llm.lowerItems.${item}`, { defaultValue: item })).join("、");
  const type = verdict === "over" ? "error" : verdict === "tight" ? "warning" : verdict === "fits" ? "success" : "info";
  const title = verdict === "over"
    ? t("llm.over", { needed: formatBytes(estimate.needed), available: formatBytes(estimate.available) })
    : t(`llm.${verdict}`);
  return <Alert type={type} showIcon title={title} description={lower && verdict !== "fits" ? t("llm.lower", { items: lower }) : undefined} data-testid="memory-verdict" />;
}

export function MemoryEstimatePanel({ baseModel, params }: { baseModel?: string; params: Record<string, unknown> }) {
  const { t } = useTranslation();
  const estimate = useMemoryEstimate(baseModel, params);
  const data = estimate.data;
  return (
    <Card size="small" title={t("llm.memory")} style={{ marginBottom: 16 }} data-testid="memory-estimate">
      {estimate.error && <Alert type="error" showIcon title={errorText(estimate.error)} />}
      {data && (
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Typography.Text>{`${t("llm.needed")} ${formatBytes(data.needed)} · ${t("llm.available")} ${data.available == null ? "—" : formatBytes(data.available)}`}</Typography.Text>
          {data.available != null && (
            <Progress percent={Math.min(100, Math.round((data.needed / Math.max(data.available, 1)) * 100))} status={data.needed > data.available ? "exception" : "normal"} />
          )}
          <Typography.Text type="secondary">{t("llm.parts", { weights: formatBytes(data.weights), activations: formatBytes(data.activations), logits: formatBytes(data.logits), lora: formatBytes(data.lora) })}</Typography.Text>
          <MemoryVerdict estimate={data} />
        </Space>
      )}
      <Collapse ghost size="small" items={[{ key: "lora", label: t("llm.loraHelp.title"), children: <Typography.Paragraph>{t("llm.loraHelp.body")}</Typography.Paragraph> }]} />
    </Card>
  );
}
