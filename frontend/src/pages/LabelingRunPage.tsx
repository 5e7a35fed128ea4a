/** One labeling run: progress, speed, tokens, cost against the budget, errors and the output dataset;
 * polled while it is pending or running. */
import { useQuery } from "@tanstack/react-query";
import { Alert, Button, Card, Col, Descriptions, Progress, Row, Space, Statistic, Tag, Typography } from "antd";
import { useRef } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import { codeText } from "../api/errorText";
import { PageSkeleton } from "../components/PageSkeleton";
import { QueryError } from "../components/QueryError";
import { StatusTag } from "../components/StatusTag";
import { formatTime } from "../lib/format";
import { ACTIVE_RUN_STATUSES, budgetPercent, formatMoney, formatTokens, rowsPerSecond } from "../lib/teachers";

const POLL_MS = 2000;

interface Reading {
  rows: number;
  at: number;
}

export function LabelingRunPage() {
  const { t, i18n } = useTranslation();
  const { id = "" } = useParams();
  const first = useRef<Reading | null>(null);
  const run = useQuery({
    queryKey: ["labeling-run", id],
    queryFn: async () => {
      const data = await unwrap(api.GET("/api/v1/labeling-runs/{run_id}", { params: { path: { run_id: id } } }));
      const now = { rows: data.rows_done, at: Date.now() };
      if (data.status !== "running") first.current = null;
      else if (!first.current || first.current.rows > now.rows) first.current = now;
      return { ...data, speed: rowsPerSecond(first.current, now) };
    },
    refetchInterval: (query) => (query.state.data && ACTIVE_RUN_STATUSES.has(query.state.data.status) ? POLL_MS : false),
  });
  if (run.error) return <QueryError error={run.error} onRetry={() => void run.refetch()} />;
  if (!run.data) return <PageSkeleton />;
  const r = run.data;
  const running = r.status === "running";
  const speed = r.speed;
  const percent = r.rows_total ? Math.floor((r.rows_done / r.rows_total) * 100) : 0;
  const money = (value: string) => formatMoney(value, r.currency, i18n.language);
  const error = r.error as { code?: string; message?: string } | null;

  return (
    <Space direction="vertical" style={{ width: "100%" }} size="large">
      <Card
        title={
          <Space>
            {r.name}
            <StatusTag status={r.status} />
          </Space>
        }
        extra={
          <Space>
            {r.rows_done > 0 && (
              <Link to={`/labeling-runs/${r.id}/review`}>
                <Button data-testid="run-review">{t("review.title")}</Button>
              </Link>
            )}
            {r.output_dataset_id && (
              <Link to={`/datasets/${r.output_dataset_id}`}>
                <Button type="primary" data-testid="run-output">{t("labeling.openOutput")}</Button>
              </Link>
            )}
          </Space>
        }
      >
        {r.status === "pending" && <Alert type="info" showIcon message={t("labeling.pendingHint")} style={{ marginBottom: 16 }} />}
        {error && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            message={t("labeling.errors")}
            description={codeText(error.code, error.message ?? "")}
            data-testid="run-error"
          />
        )}
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Typography.Text type="secondary">{t("labeling.progress")}</Typography.Text>
            <Progress percent={percent} status={running ? "active" : undefined} data-testid="run-progress" />
            <Typography.Text>{`${formatTokens(r.rows_done)} / ${formatTokens(r.rows_total)}`}</Typography.Text>
          </Col>
          <Col xs={24} md={12}>
            <Typography.Text type="secondary">{t("labeling.cost")}</Typography.Text>
            <Progress
              percent={budgetPercent(r.cost, r.budget)}
              strokeColor={budgetPercent(r.cost, r.budget) >= 90 ? "#faad14" : undefined}
              showInfo={false}
            />
            <Typography.Text data-testid="run-cost">
              {t("labeling.costOfBudget", { cost: money(r.cost), budget: money(r.budget) })}
            </Typography.Text>
          </Col>
        </Row>
        <Row gutter={16} style={{ marginTop: 24 }}>
          <Col span={8}>
            <Statistic
              title={t("labeling.rowsPerSecond")}
              value={speed === null ? "—" : t("labeling.rowsPerSecondValue", { value: speed.toFixed(2) })}
            />
          </Col>
          <Col span={8}>
            <Statistic title={t("labeling.inputTokens")} value={formatTokens(r.input_tokens)} />
          </Col>
          <Col span={8}>
            <Statistic title={t("labeling.outputTokens")} value={formatTokens(r.output_tokens)} />
          </Col>
        </Row>
      </Card>
      <Card title={t("labeling.params")}>
        <Descriptions column={1} size="small" bordered>
          <Descriptions.Item label={t("labeling.dataset")}>
            {r.dataset_id ? <Link to={`/datasets/${r.dataset_id}`}>{r.dataset_id}</Link> : "—"}
          </Descriptions.Item>
          <Descriptions.Item label={t("labeling.textColumns")}>{r.text_columns.join(", ")}</Descriptions.Item>
          <Descriptions.Item label={t("labeling.task")}>
            {t(`labeling.kinds.${String(r.task.kind)}`, { defaultValue: String(r.task.kind) })}
          </Descriptions.Item>
          <Descriptions.Item label={t("labeling.teachers")}>
            {r.teachers.map((tr, i) => <Tag key={i}>{String(tr.model)}</Tag>)}
          </Descriptions.Item>
          <Descriptions.Item label={t("labeling.budget")}>{money(r.budget)}</Descriptions.Item>
          <Descriptions.Item label={t("labeling.createdAt")}>{formatTime(r.created_at)}</Descriptions.Item>
          <Descriptions.Item label={t("labeling.template")}>
            <pre style={{ whiteSpace: "pre-wrap", margin: 0 }}>{r.template}</pre>
          </Descriptions.Item>
        </Descriptions>
      </Card>
    </Space>
  );
}
