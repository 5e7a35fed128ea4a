/** One distillation: its stage, and once evaluated the report — quality with 95 % intervals,
 * latency and cost charts, the one-off cost and break-even volume, and the downloads. */
import { useQuery } from "@tanstack/react-query";
import { CustomChart } from "echarts/charts";
import { Alert, App, Button, Card, Col, Descriptions, Row, Space, Statistic, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { DistillationReport } from "../api/domain";
import { errorText } from "../api/errorText";
import { BarChart } from "../components/BarChart";
import { registerChartParts } from "../components/Chart";
import { PageSkeleton } from "../components/PageSkeleton";
import { QueryError } from "../components/QueryError";
import { useNames } from "../i18n/names";
import { MODELS, groupedOption, qualityBars, qualityOption } from "../lib/distillation";
import { downloadFile } from "../lib/download";
import { formatTime } from "../lib/format";
import { DISTILL_STATUS_COLORS } from "./DistillationsPage";

registerChartParts([CustomChart]);

const ACTIVE = new Set(["training", "evaluating"]);

function Report({ id, report }: { id: string; report: DistillationReport }) {
  const { t, i18n } = useTranslation();
  const { message } = App.useApp();
  const modelName = { student: t("distill.student"), teacher: t("distill.teacher") };
  const metricName = { accuracy: t("distill.accuracy"), macro_f1: t("distill.macroF1") };
  const bars = qualityBars(report);
  const { cost, currency } = report;
  const currencyName = t(`currencies.${currency}`, { defaultValue: currency });
  const money = (value: number) =>
    new Intl.NumberFormat(i18n.language === "en" ? "en-US" : "zh-CN", { style: "currency", currency, minimumFractionDigits: 6 }).format(value);
  const download = (kind: "md" | "csv") =>
    downloadFile(`/distillations/${id}/report.${kind}`, `distillation-${id}.${kind}`).catch((e: unknown) => void message.error(errorText(e)));
  const usage = report.teacher_usage;
  return (
    <Space orientation="vertical" size="middle" style={{ width: "100%" }}>
      <Space>
        <Button onClick={() => void download("md")} data-testid="download-md">{t("distill.downloadMd")}</Button>
        <Button onClick={() => void download("csv")} data-testid="download-csv">{t("distill.downloadCsv")}</Button>
      </Space>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card size="small" title={t("distill.quality")}>
            <BarChart testId="quality-chart" option={qualityOption(bars, (bar) => `${modelName[bar.model]}\n${metricName[bar.metric]}`)} />
            <Typography.Text type="secondary">
              {MODELS.map((m) => `${modelName[m]}: ${t("distill.rows", { n: report.quality[m].n })}`).join(" · ")}
            </Typography.Text>
            {report.llm_answers && (
              <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }} data-testid="llm-unparsed">
                {t("distill.unparsed", { n: report.llm_answers.unparsed, total: report.gold_rows })}
              </Typography.Paragraph>
            )}
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card size="small" title={t("distill.latency")}>
            <BarChart
              testId="latency-chart"
              option={groupedOption(["p50", "p95"], { student: [report.latency.student.p50_ms, report.latency.student.p95_ms], teacher: [report.latency.teacher.p50_ms, report.latency.teacher.p95_ms] }, modelName, "ms")}
            />
          </Card>
        </Col>
      </Row>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card size="small" title={t("distill.cost", { currency: currencyName })}>
            <BarChart testId="cost-chart" option={groupedOption([t("distill.per1k")], { student: [cost.student_per_1k], teacher: [cost.teacher_per_1k] }, modelName, currencyName)} />
          </Card>
        </Col>
        <Col xs={24} lg={12}>
          <Card size="small">
            <Row gutter={16}>
              <Col span={12}><Statistic title={t("distill.oneOff")} value={money(cost.one_off_cost)} /></Col>
              <Col span={12}>
                <Statistic
                  title={t("distill.breakEven")}
                  value={cost.break_even_predictions === null ? "—" : Math.ceil(cost.break_even_predictions).toLocaleString(i18n.language)}
                />
                {cost.break_even_predictions === null && <Typography.Text type="secondary">{t("distill.never")}</Typography.Text>}
              </Col>
            </Row>
            <Descriptions size="small" column={1} style={{ marginTop: 16 }}>
              <Descriptions.Item label={t("distill.labelingCost")}>{money(cost.teacher_labeling_cost)}</Descriptions.Item>
              <Descriptions.Item label={t("distill.trainingCost")}>
                {money(cost.training_cost)}
                {report.training_cpu_seconds != null && ` · ${t("distill.trainingCpu", { seconds: report.training_cpu_seconds.toFixed(1) })}`}
              </Descriptions.Item>
              <Descriptions.Item label={t("distill.goldRows")}>{t("distill.goldOverlap", { n: report.gold_rows, seen: report.gold_rows_in_training })}</Descriptions.Item>
              {report.training_rows != null && (
                <Descriptions.Item label={t("distill.trainingSet")}>
                  {t("distill.trainingRows", { n: report.training_rows, removed: report.gold_overlap_removed ?? 0 })}
                </Descriptions.Item>
              )}
            </Descriptions>
            {(report.notes ?? []).map((note) => (
              <Alert
                key={note.code}
                type="info"
                showIcon
                style={{ marginBottom: 8 }}
                data-testid={`note-${note.code}`}
                message={t(`distill.notes.${note.code}`, { defaultValue: note.message, label: note.label, labeled: note.labeled, gold: note.gold })}
              />
            ))}
            <Typography.Paragraph type="secondary">
              {t("distill.teacherCalls", { calls: usage.calls, input: usage.input_tokens, cached: usage.cached_input_tokens, output: usage.output_tokens })}
              <br />
              {t("distill.cpuPrice", { price: report.cpu_hour_price, currency: currencyName })}
            </Typography.Paragraph>
          </Card>
        </Col>
      </Row>
    </Space>
  );
}

/** The student's kind, trainer and (for an LLM) base model. */
function studentText(t: (key: string) => string, name: ReturnType<typeof useNames>, student: Record<string, unknown>): string {
  const task = typeof student.task_type === "string" ? student.task_type : "text_classification";
  const params = (student.params ?? {}) as Record<string, unknown>;
  const base = task === "llm_sft" && typeof params.base_model === "string" ? ` · ${params.base_model}` : "";
  return `${t(`distill.kinds.${task}`)} · ${name("trainers", String(student.trainer ?? ""))}${base}`;
}

export function DistillationPage() {
  const { t } = useTranslation();
  const name = useNames();
  const { id = "" } = useParams();
  const query = useQuery({
    queryKey: ["distillation", id],
    queryFn: () => unwrap(api.GET("/api/v1/distillations/{distillation_id}", { params: { path: { distillation_id: id } } })),
    refetchInterval: (q) => (q.state.data && ACTIVE.has(q.state.data.status) ? 3000 : false),
  });
  if (query.isLoading) return <PageSkeleton />;
  if (query.error || !query.data) return <QueryError error={query.error} onRetry={() => void query.refetch()} />;
  const d = query.data;
  return (
    <Card title={<Space>{d.name}<Tag color={DISTILL_STATUS_COLORS[d.status]}>{t(`distill.status.${d.status}`)}</Tag></Space>}>
      <Descriptions size="small" column={{ xs: 1, md: 3 }}>
        <Descriptions.Item label={t("distill.trainJob")}>{d.train_job_id ? <Link to={`/jobs/${d.train_job_id}`} data-user-content>{d.train_job_id.slice(0, 8)}</Link> : "—"}</Descriptions.Item>
        <Descriptions.Item label={t("distill.model")}>{d.model_version_id ? <Link to={`/models/${d.model_version_id}`} data-user-content>{d.model_version_id.slice(0, 8)}</Link> : "—"}</Descriptions.Item>
        <Descriptions.Item label={t("common.createdAt")}>{formatTime(d.created_at)}</Descriptions.Item>
        <Descriptions.Item label={t("distill.studentKind")}>{studentText(t, name, d.student)}</Descriptions.Item>
        {typeof d.student.instruction === "string" && (
          <Descriptions.Item label={t("distill.instruction")} span={2}>
            <Typography.Text type="secondary">{d.student.instruction}</Typography.Text>
          </Descriptions.Item>
        )}
      </Descriptions>
      {d.error && <Alert type="error" showIcon title={d.error.code} description={d.error.message} style={{ marginBottom: 16 }} />}
      {d.report ? <Report id={d.id} report={d.report as unknown as DistillationReport} /> : !d.error && <Alert type="info" showIcon title={t("distill.waiting")} />}
    </Card>
  );
}
