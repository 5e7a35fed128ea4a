/** The fine-tuning wizard's data step: the LLM base-model picker and the chat preview rendered
 * through the chosen model's chat template, with token counts and truncation at max length. */
import { useQuery } from "@tanstack/react-query";
import { Alert, Card, Descriptions, Empty, List, Select, Space, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../../api/client";
import { errorText, issueText } from "../../api/errorText";
import type { components } from "../../api/schema";
import { useNames } from "../../i18n/names";
import { formatBytes } from "../../lib/format";

type BaseModel = components["schemas"]["BaseModelRead"];

export function useLlmBaseModels() {
  return useQuery({ queryKey: ["finetune-base-models"], queryFn: () => unwrap(api.GET("/api/v1/finetune/base-models")) });
}

function parameters(count?: number | null): string {
  if (!count) return "—";
  return count >= 1e9 ? `${(count / 1e9).toFixed(2)} B` : `${(count / 1e6).toFixed(1)} M`;
}

/** A select of the LLM base models; the chosen one's facts below it. */
export function BaseModelPicker({ value, onChange }: { value?: string; onChange?: (name: string) => void }) {
  const { t } = useTranslation();
  const models = useLlmBaseModels();
  const list: BaseModel[] = models.data ?? [];
  const chosen = list.find((m) => m.name === value);
  if (models.error) return <Alert type="error" showIcon title={errorText(models.error)} />;
  if (!models.isLoading && !list.length) return <Empty description={t("llm.noBaseModels")} />;
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Select value={value} onChange={onChange} loading={models.isLoading} style={{ maxWidth: 560, width: "100%" }} data-testid="base-model-picker"
        placeholder={t("llm.pickBase")}
        options={list.map((m) => ({
          value: m.name,
          disabled: !m.ok || !m.chat_template,
          label: `${m.name} · ${parameters(m.parameters)} · ${formatBytes(m.size_bytes)}${m.context_length ? ` · ${m.context_length}` : ""}`,
        }))} />
      {chosen && (
        <Descriptions size="small" column={3} bordered>
          <Descriptions.Item label={t("llm.parameters")}>{parameters(chosen.parameters)}</Descriptions.Item>
          <Descriptions.Item label={t("llm.size")}>{formatBytes(chosen.size_bytes)}</Descriptions.Item>
          <Descriptions.Item label={t("llm.context")}>{chosen.context_length ?? "—"}</Descriptions.Item>
          <Descriptions.Item label={t("llm.chatTemplate")}>{chosen.chat_template ? t("common.yes") : <Typography.Text type="danger">{t("llm.noTemplate")}</Typography.Text>}</Descriptions.Item>
          <Descriptions.Item label={t("llm.licence")}>{chosen.licence ?? "—"}</Descriptions.Item>
          <Descriptions.Item label={t("llm.languages")}>{(chosen.languages ?? []).map((l) => <Tag key={l}>{l}</Tag>)}</Descriptions.Item>
        </Descriptions>
      )}
    </Space>
  );
}

interface PreviewProps {
  datasetId: string;
  baseModel?: string;
  columns: Record<string, unknown>;
  maxSeqLength: number;
}

/** The detected format and the first rows as the model will see them. */
export function ChatPreviewPanel({ datasetId, baseModel, columns, maxSeqLength }: PreviewProps) {
  const { t } = useTranslation();
  const name = useNames();
  const preview = useQuery({
    queryKey: ["chat-preview", datasetId, baseModel, columns, maxSeqLength],
    enabled: !!datasetId && !!baseModel,
    queryFn: () => unwrap(api.POST("/api/v1/finetune/chat-preview", { body: { dataset_id: datasetId, base_model: baseModel ?? "", columns, max_seq_length: maxSeqLength } })),
  });
  if (!baseModel) return null;
  const data = preview.data;
  return (
    <Card size="small" title={t("llm.preview")} loading={preview.isLoading} data-testid="chat-preview" style={{ marginBottom: 16 }}>
      {preview.error && <Alert type="error" showIcon title={errorText(preview.error)} />}
      {data && (
        <Space orientation="vertical" style={{ width: "100%" }}>
          {data.errors.map((e, i) => <Alert key={i} type="error" showIcon title={name("errorCodes", String(e.code), String(e.message))} />)}
          {data.format && (
            <Space wrap>
              <Tag color="blue" data-testid="chat-format">{t("llm.detectedFormat", { format: t(`llm.formats.${data.format}`, { defaultValue: data.format }) })}</Tag>
              <Typography.Text>{t("llm.rowsUsable", { usable: data.rows_usable, total: data.rows_total })}</Typography.Text>
            </Space>
          )}
          {data.tokens && (
            <Alert type={Number(data.tokens.truncated_rows) > 0 ? "warning" : "info"} showIcon data-testid="chat-truncation"
              title={t("llm.truncatedRows", { max: maxSeqLength, rows: data.tokens.truncated_rows, measured: data.rows_measured })
                + (data.rows_measured < data.rows_usable ? t("llm.measuredNote", { measured: data.rows_measured }) : "")} />
          )}
          {data.problems.length > 0 && (
            <Alert type="error" showIcon title={t("llm.problems")} data-testid="chat-problems"
              description={data.problems.slice(0, 5).map((p) => <div key={String(p.row)}>{issueText(p)}</div>)} />
          )}
          {data.rendered.length > 0 && <Typography.Text type="secondary">{t("llm.renderedHint", { model: baseModel })}</Typography.Text>}
          <List size="small" dataSource={data.rendered} renderItem={(row) => (
            <List.Item>
              <Space orientation="vertical" style={{ width: "100%" }}>
                <Space>
                  <Tag>#{row.row}</Tag>
                  <Tag>{t("llm.tokens", { count: row.tokens })}</Tag>
                  {row.truncated && <Tag color="warning">{t("llm.truncated")}</Tag>}
                </Space>
                <pre style={{ whiteSpace: "pre-wrap", margin: 0, fontSize: 12, background: "#fafafa", padding: 8 }}>{row.text}</pre>
              </Space>
            </List.Item>
          )} />
        </Space>
      )}
    </Card>
  );
}
