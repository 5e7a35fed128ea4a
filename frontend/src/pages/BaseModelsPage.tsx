/** The base models found on the server (for fine-tuning): what each is, and whether it is usable.
 * Administrators see every folder; other users the LLMs they can fine-tune. */
import { useQuery } from "@tanstack/react-query";
import { Card, Empty, Table, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { QueryError } from "../components/QueryError";
import { useMe } from "../hooks/useSession";
import { useNames } from "../i18n/names";
import { formatBytes } from "../lib/format";

type BaseModel = components["schemas"]["BaseModelRead"];

export function BaseModelsPage() {
  const { t } = useTranslation();
  const name = useNames();
  const me = useMe();
  const isAdmin = me.data?.role === "admin";
  const models = useQuery({
    queryKey: ["base-models", isAdmin],
    enabled: !!me.data,
    queryFn: () => unwrap(isAdmin ? api.GET("/api/v1/base-models") : api.GET("/api/v1/finetune/base-models")),
  });
  if (models.error) return <QueryError error={models.error} onRetry={() => void models.refetch()} />;
  return (
    <Card title={t("baseModels.title")}>
      <Table<BaseModel>
        rowKey="name"
        size="small"
        loading={models.isLoading || me.isLoading}
        dataSource={models.data as BaseModel[] | undefined}
        pagination={false}
        locale={{ emptyText: <Empty description={t("baseModels.empty")} /> }}
        columns={[
          { title: t("baseModels.name"), dataIndex: "name", render: (v: string) => <span data-user-content>{v}</span> },
          { title: t("baseModels.type"), dataIndex: "model_type", render: (v: string | null) => <span data-user-content>{v ?? "—"}</span> },
          { title: t("baseModels.parameters"), dataIndex: "parameters", render: (v: number | null) => (v ? `${(v / 1e6).toFixed(1)} M` : "—") },
          { title: t("baseModels.size"), dataIndex: "size_bytes", render: formatBytes },
          { title: t("llm.context"), dataIndex: "context_length", render: (v: number | null) => v ?? "—" },
          { title: t("llm.chatTemplate"), dataIndex: "chat_template", render: (v: boolean) => (v ? t("common.yes") : t("common.no")) },
          { title: t("llm.licence"), dataIndex: "licence", render: (v: string | null) => <span data-user-content>{v ?? "—"}</span> },
          { title: t("llm.languages"), dataIndex: "languages", render: (v: string[] | undefined) => (v ?? []).map((l) => <Tag key={l}>{name("languages", l)}</Tag>) },
          {
            title: t("llm.notes"),
            dataIndex: "notes",
            render: (notes: string | null, m: BaseModel) =>
              notes ? (
                <Typography.Paragraph ellipsis={{ rows: 2, expandable: true }} style={{ maxWidth: 360, margin: 0 }} data-testid={`base-notes-${m.name}`} data-user-content>
                  {m.source ? `${notes}（${m.source}）` : notes}
                </Typography.Paragraph>
              ) : "—",
          },
          { title: t("baseModels.ok"), dataIndex: "ok", render: (ok: boolean) => <Tag color={ok ? "success" : "error"}>{ok ? t("common.yes") : t("common.no")}</Tag> },
          { title: t("baseModels.problems"), dataIndex: "problems", render: (p: string[] | undefined) => p?.join("；") || "—" },
        ]}
      />
    </Card>
  );
}
