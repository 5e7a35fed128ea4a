/** The fine-tuning job's live figures: loss (train/eval), learning rate, tokens/s, ETA. */
import { Card, Col, Row, Statistic } from "antd";
import { useTranslation } from "react-i18next";
import type { Point } from "../../lib/jobStream";
import { formatDuration } from "../../lib/format";
import { llmJobFigures } from "../../lib/llm";
import { CurvesChart } from "../CurvesChart";

export function LlmJobFigures({ series, finished }: { series: Record<string, Point[]>; finished: boolean }) {
  const { t } = useTranslation();
  const figures = llmJobFigures(series);
  return (
    <Card title={t("llm.jobFigures")} data-testid="llm-job-figures">
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col span={8} data-testid="tokens-per-second"><Statistic title={t("llm.tokensPerSecond")} value={figures.tokensPerSecond ?? "—"} precision={figures.tokensPerSecond == null ? undefined : 0} /></Col>
        <Col span={8}><Statistic title={t("llm.eta")} value={finished ? "—" : formatDuration(figures.etaSeconds)} /></Col>
        <Col span={8}><Statistic title={t("llm.perplexity")} value={figures.perplexity ?? "—"} precision={figures.perplexity == null ? undefined : 2} /></Col>
      </Row>
      <Row gutter={16}>
        <Col xs={24} xl={8}><Card size="small" title={t("llm.lossCurve")} data-testid="loss-curve"><CurvesChart series={figures.loss} height={240} /></Card></Col>
        <Col xs={24} xl={8}><Card size="small" title={t("llm.lrCurve")}><CurvesChart series={figures.learningRate} height={240} /></Card></Col>
        <Col xs={24} xl={8}><Card size="small" title={t("llm.throughputCurve")}><CurvesChart series={figures.throughput} height={240} /></Card></Col>
      </Row>
    </Card>
  );
}
