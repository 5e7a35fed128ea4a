/** Review a labeling run one row at a time: the source text, each teacher's answer and the verdict;
 * accept, pick a label, correct or skip by keyboard; progress, agreement and the gold dataset. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Col, Descriptions, Empty, Input, InputNumber, Modal, Progress, Radio, Row, Segmented, Space, Statistic, Table, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { api, unwrap } from "../api/client";
import type { Dataset } from "../api/domain";
import { errorText } from "../api/errorText";
import type { LabelingRun, ReviewItem, ReviewSummary, TeacherAgreement } from "../api/types";
import { PageSkeleton } from "../components/PageSkeleton";
import { QueryError } from "../components/QueryError";
import { reviewKeyAction, type ReviewKeyAction } from "../lib/reviewKeys";

const PAGE = 50;
type Filter = "pending" | "skipped" | "all";
type ReviewBody = { action: "accept" } | { action: "skip" } | { action: "correct"; output: unknown };

/** The classify task's label names in order (empty for other tasks). */
function labelsOf(run: LabelingRun | undefined): string[] {
  if (run?.task.kind !== "classify") return [];
  return (run.task.labels as { name: string }[]).map((label) => label.name);
}

/** A verdict or vote as text: strings as they are, anything else as JSON. */
function shown(value: unknown): string {
  if (value === null || value === undefined) return "—";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function percent(share: number | null | undefined): string {
  return share === null || share === undefined ? "—" : `${(share * 100).toFixed(1)}%`;
}

/** The correction editor: labels for classify, a JSON object for extract, text for generate. */
function EditModal({ item, run, onSave, onClose }: {
  item: ReviewItem; run: LabelingRun; onSave: (output: unknown) => void; onClose: () => void;
}) {
  const { t } = useTranslation();
  const kind = run.task.kind;
  const start = item.reviewed_output ?? item.output;
  const [label, setLabel] = useState<string | undefined>(typeof start === "string" ? start : undefined);
  const [text, setText] = useState(kind === "extract" ? JSON.stringify(start ?? {}, null, 2) : typeof start === "string" ? start : "");
  const [problem, setProblem] = useState<string | null>(null);
  const save = () => {
    if (kind === "classify") return label !== undefined && onSave(label);
    if (kind === "generate") return onSave(text);
    try {
      onSave(JSON.parse(text));
    } catch (err) {
      setProblem(t("review.badJson", { message: (err as Error).message }));
    }
  };
  return (
    <Modal open title={t("review.editTitle", { index: item.row_index })} onOk={save} onCancel={onClose} okText={t("common.save")} cancelText={t("common.cancel")}>
      {kind === "classify" ? (
        <Radio.Group value={label} onChange={(e) => setLabel(e.target.value as string)}
          options={labelsOf(run).map((name, i) => ({ value: name, label: `${i + 1}. ${name}` }))} />
      ) : (
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Typography.Text type="secondary">{t(kind === "extract" ? "review.jsonHint" : "review.textHint")}</Typography.Text>
          <Input.TextArea data-testid="review-editor" autoFocus rows={8} value={text} onChange={(e) => setText(e.target.value)}
            style={kind === "extract" ? { fontFamily: "monospace" } : undefined} />
          {problem && <Alert type="error" showIcon title={problem} />}
        </Space>
      )}
    </Modal>
  );
}

function SummaryCard({ summary, onGold, goldPending }: { summary: ReviewSummary; onGold: () => void; goldPending: boolean }) {
  const { t } = useTranslation();
  const queued = summary.reviewed + summary.to_review + summary.skipped;
  const rows: (TeacherAgreement & { key: string })[] = [
    ...summary.teachers.map((row) => ({ ...row, key: row.teacher })),
    { ...summary.majority, teacher: t("review.majority"), key: "__majority" },
  ];
  return (
    <Card title={t("review.progress")} extra={
      <Button onClick={onGold} loading={goldPending} disabled={summary.reviewed === 0} data-testid="gold-dataset">{t("review.goldDataset")}</Button>
    }>
      <Row gutter={16}>
        <Col span={4} data-testid="review-stat-rows"><Statistic title={t("review.rows")} value={summary.rows} /></Col>
        <Col span={4} data-testid="review-stat-to-review"><Statistic title={t("review.toReview")} value={summary.to_review} /></Col>
        <Col span={4} data-testid="review-stat-accepted"><Statistic title={t("review.accepted")} value={summary.accepted} /></Col>
        <Col span={4} data-testid="review-stat-corrected"><Statistic title={t("review.corrected")} value={summary.corrected} /></Col>
        <Col span={4} data-testid="review-stat-skipped"><Statistic title={t("review.skipped")} value={summary.skipped} /></Col>
        <Col span={4} data-testid="review-stat-threshold"><Statistic title={t("review.threshold")} value={summary.threshold} /></Col>
      </Row>
      <Progress percent={queued ? Math.round((summary.reviewed / queued) * 1000) / 10 : 0} style={{ marginTop: 12 }} />
      <Typography.Title level={5}>{t("review.agreementTitle")}</Typography.Title>
      <Table size="small" pagination={false} rowKey="key" dataSource={rows} columns={[
        { title: t("review.teacher"), dataIndex: "teacher" },
        { title: t("review.agreement"), dataIndex: "share", render: (share: number | null) => percent(share) },
        { title: "", render: (_, row) => t("review.agreed", { agreed: row.agreed, reviewed: row.reviewed }) },
      ]} />
    </Card>
  );
}

function RowCard({ item, run, onAction }: { item: ReviewItem; run: LabelingRun; onAction: (action: ReviewKeyAction) => void }) {
  const { t } = useTranslation();
  const labels = labelsOf(run);
  return (
    <Space orientation="vertical" style={{ width: "100%" }} size="middle">
      <Descriptions bordered size="small" column={1} title={<Space>
        <span data-testid="review-row">{t("review.row", { index: item.row_index })}</span>
        <Tag>{t(`review.statuses.${item.review_status}`)}</Tag>
      </Space>}>
        {Object.entries(item.source ?? {}).map(([column, text]) => (
          <Descriptions.Item key={column} label={`${t("review.source")} · ${column}`}>
            <Typography.Paragraph style={{ whiteSpace: "pre-wrap", marginBottom: 0 }} data-testid="review-source">{shown(text)}</Typography.Paragraph>
          </Descriptions.Item>
        ))}
        <Descriptions.Item label={t("review.verdict")}><Typography.Text strong data-testid="review-verdict">{shown(item.reviewed_output ?? item.output)}</Typography.Text></Descriptions.Item>
        <Descriptions.Item label={t("review.agreement")}>{percent(item.agreement)}</Descriptions.Item>
        <Descriptions.Item label={t("review.confidence")}>{percent(item.confidence)}</Descriptions.Item>
        {item.error && <Descriptions.Item label={t("review.rowError")}>{shown(item.error.message ?? item.error)}</Descriptions.Item>}
      </Descriptions>
      <Table size="small" pagination={false} rowKey="teacher" dataSource={item.votes} title={() => t("review.votes")} columns={[
        { title: t("review.teacher"), dataIndex: "teacher" },
        { title: t("review.answer"), render: (_, vote) => vote.error ? <Typography.Text type="danger">{shown(vote.error.message ?? vote.error)}</Typography.Text> : shown(vote.value) },
      ]} />
      <Space wrap>
        <Button type="primary" onClick={() => onAction({ type: "accept" })} disabled={item.output === null}>{t("review.accept")} (A)</Button>
        {labels.slice(0, 9).map((label, i) => (
          <Button key={label} onClick={() => onAction({ type: "label", label })}>{i + 1}. {label}</Button>
        ))}
        <Button onClick={() => onAction({ type: "edit" })}>{t("review.edit")} (E)</Button>
        <Button onClick={() => onAction({ type: "skip" })}>{t("review.skip")} (S)</Button>
      </Space>
    </Space>
  );
}

export function ReviewQueuePage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const runId = useParams().runId ?? "";
  const [filter, setFilter] = useState<Filter>("pending");
  const [offset, setOffset] = useState(0);
  const [position, setPosition] = useState(0);
  const [editing, setEditing] = useState(false);
  const [gold, setGold] = useState<Dataset | null>(null);
  const path = { params: { path: { run_id: runId } } };

  const run = useQuery({
    queryKey: ["labeling-run", runId],
    queryFn: () => unwrap(api.GET("/api/v1/labeling-runs/{run_id}", path)),
  });
  const queue = useQuery({
    queryKey: ["review-queue", runId, filter, offset],
    queryFn: () => unwrap(api.GET("/api/v1/labeling-runs/{run_id}/review-queue", {
      params: { path: { run_id: runId }, query: { status: filter, limit: PAGE, offset } },
    })),
  });
  const summary = useQuery({
    queryKey: ["review-summary", runId],
    queryFn: () => unwrap(api.GET("/api/v1/labeling-runs/{run_id}/review-summary", path)),
  });

  const items = queue.data?.items ?? [];
  const total = queue.data?.total ?? 0;
  const index = Math.min(position, Math.max(items.length - 1, 0));
  const current: ReviewItem | undefined = items[index];

  const move = (step: 1 | -1) => {
    if (step === 1 && index < items.length - 1) return setPosition(index + 1);
    if (step === -1 && index > 0) return setPosition(index - 1);
    if (step === 1 && offset + items.length < total) {
      setOffset(offset + PAGE);
      setPosition(0);
    } else if (step === -1 && offset > 0) {
      setOffset(Math.max(offset - PAGE, 0));
      setPosition(PAGE - 1);
    }
  };

  const review = useMutation({
    mutationFn: ({ row, body }: { row: number; body: ReviewBody }) =>
      unwrap(api.POST("/api/v1/labeling-runs/{run_id}/rows/{row_index}/review", {
        params: { path: { run_id: runId, row_index: row } }, body,
      })),
    onSuccess: (saved) => {
      void message.success(t("review.saved", { index: saved.row_index }));
      setEditing(false);
      // A reviewed row leaves the pending list, so the next one takes its place there.
      if (filter !== "pending") move(1);
      void queryClient.invalidateQueries({ queryKey: ["review-queue", runId] });
      void queryClient.invalidateQueries({ queryKey: ["review-summary", runId] });
    },
    onError: (err) => void message.error(errorText(err)),
  });
  const setThreshold = useMutation({
    mutationFn: (value: number | null) =>
      unwrap(api.PATCH("/api/v1/labeling-runs/{run_id}/review-settings", { ...path, body: { review_threshold: value } })),
    onSuccess: () => {
      setPosition(0);
      setOffset(0);
      void queryClient.invalidateQueries({ queryKey: ["review-queue", runId] });
      void queryClient.invalidateQueries({ queryKey: ["review-summary", runId] });
    },
    onError: (err) => void message.error(errorText(err)),
  });
  const makeGold = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/labeling-runs/{run_id}/gold-dataset", { ...path, body: {} })),
    onSuccess: (dataset) => {
      setGold(dataset);
      void message.success(t("review.goldCreated", { name: dataset.name }));
    },
    onError: (err) => void message.error(errorText(err)),
  });

  const act = (action: ReviewKeyAction) => {
    if (action.type === "prev") return move(-1);
    if (action.type === "next") return move(1);
    if (!current || review.isPending) return;
    if (action.type === "edit") return setEditing(true);
    const body: ReviewBody =
      action.type === "label" ? { action: "correct", output: action.label } : { action: action.type };
    review.mutate({ row: current.row_index, body });
  };

  const labels = labelsOf(run.data);
  useEffect(() => {
    if (editing) return;
    const onKey = (event: KeyboardEvent) => {
      const action = reviewKeyAction(event, labels);
      if (!action) return;
      event.preventDefault();
      act(action);
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  if (run.isLoading || queue.isLoading) return <PageSkeleton />;
  const failed = run.error ?? queue.error;
  if (failed) return <QueryError error={failed} onRetry={() => void (run.error ? run.refetch() : queue.refetch())} />;
  if (!run.data) return <PageSkeleton />;

  return (
    <Space orientation="vertical" style={{ width: "100%" }} size="middle">
      <Card title={`${t("review.title")} · ${run.data.name}`} extra={
        <Space>
          <span>{t("review.threshold")}</span>
          <InputNumber key={queue.data?.threshold} data-testid="review-threshold" min={0} max={1} step={0.05}
            defaultValue={queue.data?.threshold} style={{ width: 90 }}
            onBlur={(e) => {
              const value = Number(e.target.value);
              if (e.target.value !== "" && Number.isFinite(value) && value !== queue.data?.threshold) setThreshold.mutate(value);
            }} />
          <Segmented<Filter> value={filter} onChange={(value) => { setFilter(value); setOffset(0); setPosition(0); }} options={[
          { value: "pending", label: t("review.queue") },
          { value: "skipped", label: t("review.skipped") },
          { value: "all", label: t("review.all") },
        ]} />
        </Space>
      }>
        <Space orientation="vertical" style={{ width: "100%" }}>
          <Space>
            <Button onClick={() => move(-1)} disabled={offset + index === 0}>← {t("review.prev")}</Button>
            <span data-testid="review-position">
              {t("review.position", { current: total ? offset + index + 1 : 0, total })}
            </span>
            <Button onClick={() => move(1)} disabled={offset + index + 1 >= total}>{t("review.next")} →</Button>
          </Space>
          <Typography.Text type="secondary">{t("review.keys")}</Typography.Text>
          {current ? <RowCard item={current} run={run.data} onAction={act} /> : <Empty description={t("review.empty")} />}
        </Space>
      </Card>
      {gold && (
        <Alert type="success" showIcon title={t("review.goldCreated", { name: gold.name })}
          action={<Link to={`/datasets/${gold.id}`}>{t("review.openDataset")}</Link>} />
      )}
      {summary.data && <SummaryCard summary={summary.data} onGold={() => makeGold.mutate()} goldPending={makeGold.isPending} />}
      {editing && current && (
        <EditModal item={current} run={run.data} onClose={() => setEditing(false)}
          onSave={(output) => review.mutate({ row: current.row_index, body: { action: "correct", output } })} />
      )}
    </Space>
  );
}
