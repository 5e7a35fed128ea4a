/** An llm_sft version's evaluation: losses, perplexity, scores (tuned vs base), the stop check
 * with a warning below 95 %, and held-out answers of the base and the tuned model side by side. */
import { Alert, Card, Col, Descriptions, Empty, Row, Table } from "antd";
import { useTranslation } from "react-i18next";
import { metricName, useNames } from "../../i18n/names";
import { formatMetric } from "../../lib/format";
import { readLlmReport, type GenerationReport } from "../../lib/llm";

type Sample = GenerationReport["samples"][number];

export function LlmEvaluation({ report }: { report: Record<string, unknown> }) {
  const { t } = useTranslation();
  const name = useNames();
  const { generation, losses, stopWarning } = readLlmReport(report);
  const rate = generation?.stop_check?.rate;
  const scoreNames = generation ? Object.keys(generation.tuned) : [];
  return (
    <Row gutter={[16, 16]}>
      <Col span={24}>
        <Descriptions bordered size="small" column={4} data-testid="llm-eval">
          {Object.entries(losses).map(([key, value]) => (
            <Descriptions.Item key={key} label={metricName(name, key)}>{formatMetric(value)}</Descriptions.Item>
          ))}
          {rate != null && <Descriptions.Item label={t("llm.stopShare")}>{`${(rate * 100).toFixed(1)} %`}</Descriptions.Item>}
        </Descriptions>
      </Col>
      {stopWarning && rate != null && (
        <Col span={24}><Alert type="warning" showIcon data-testid="stop-warning" title={t("llm.stopWarning", { rate: `${(rate * 100).toFixed(1)} %` })} /></Col>
      )}
      {!generation && <Col span={24}><Empty description={t("llm.noGeneration")} /></Col>}
      {generation && (
        <Col span={24}>
          <Card size="small" title={t("llm.scores")}>
            <Table size="small" pagination={false} rowKey="metric"
              dataSource={scoreNames.map((metric) => ({ metric, tuned: generation.tuned[metric], base: generation.base?.[metric] }))}
              columns={[
                { title: t("models.metric"), dataIndex: "metric", render: (m: string) => name("metrics", m) },
                { title: t("llm.tuned"), dataIndex: "tuned", render: formatMetric },
                ...(generation.base ? [{ title: t("llm.base"), dataIndex: "base", render: formatMetric }] : []),
              ]} />
          </Card>
        </Col>
      )}
      {generation && generation.samples.length > 0 && (
        <Col span={24}>
          <Card size="small" title={t("llm.samples")}>
            <Table<Sample> size="small" rowKey={(_, i) => String(i)} dataSource={generation.samples} pagination={{ pageSize: 5 }} data-testid="llm-samples"
              columns={[
                { title: t("llm.prompt"), dataIndex: "prompt", width: "25%" },
                { title: t("llm.reference"), dataIndex: "reference", width: "25%" },
                ...(generation.base ? [{ title: t("llm.base"), dataIndex: "base", width: "25%" }] : []),
                { title: t("llm.tuned"), dataIndex: "tuned", width: "25%" },
              ].map((c) => ({ ...c, render: (v: string | undefined) => <div style={{ whiteSpace: "pre-wrap" }}>{v ?? "—"}</div> }))} />
          </Card>
        </Col>
      )}
    </Row>
  );
}
