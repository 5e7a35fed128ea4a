/** A project's API keys: list with usage, create (the key shown once, with copy), revoke; and
 * copyable curl / Python calls of the project's chat models against this platform's /v1. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Empty, Form, Input, Modal, Popconfirm, Select, Space, Table, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { errorText } from "../api/errorText";
import type { components } from "../api/schema";
import { QueryError } from "../components/QueryError";
import { useProject } from "../hooks/useProject";
import { formatTime } from "../lib/format";
import { apiSnippets } from "../lib/llm";

type ApiKey = components["schemas"]["ApiKeyRead"];

function Snippets({ projectId, secret }: { projectId: string; secret?: string }) {
  const { t } = useTranslation();
  const models = useQuery({
    queryKey: ["models", projectId, "llm_sft"],
    queryFn: () => unwrap(api.GET("/api/v1/models", { params: { query: { project_id: projectId, task_type: "llm_sft", limit: 100 } } })),
  });
  const [chosen, setChosen] = useState<string>();
  const items = models.data?.items ?? [];
  const model = chosen ?? items[0]?.alias ?? items[0]?.id;
  if (!models.isLoading && !items.length) return <Empty description={t("llm.noChatModels")} />;
  const { curl, python } = apiSnippets(location.origin, model ?? "", secret);
  const code = (text: string, testId: string) => (
    <Typography.Paragraph copyable={{ text }} data-testid={testId}>
      <pre style={{ whiteSpace: "pre-wrap", margin: 0 }}>{text}</pre>
    </Typography.Paragraph>
  );
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Space>
        {t("llm.model")}
        <Select style={{ minWidth: 280 }} value={model} onChange={setChosen} loading={models.isLoading}
          options={items.flatMap((m) => [
            ...(m.alias ? [{ value: m.alias, label: `${m.alias}（${m.name} v${m.version}）` }] : []),
            { value: m.id, label: `${m.name} v${m.version} · ${m.id.slice(0, 8)}` },
          ])} />
      </Space>
      <Tabs items={[
        { key: "curl", label: "curl", children: code(curl, "snippet-curl") },
        { key: "python", label: "Python (openai)", children: code(python, "snippet-python") },
      ]} />
    </Space>
  );
}

export function ApiKeysPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const { project } = useProject();
  const projectId = project?.id ?? "";
  const canEdit = project?.my_role === "owner" || project?.my_role === "editor";
  const [created, setCreated] = useState<string | null>(null);
  const [form] = Form.useForm<{ name: string }>();
  const keys = useQuery({
    queryKey: ["api-keys", projectId],
    enabled: !!projectId,
    queryFn: () => unwrap(api.GET("/api/v1/projects/{project_id}/api-keys", { params: { path: { project_id: projectId } } })),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["api-keys", projectId] });
  const create = useMutation({
    mutationFn: (name: string) => unwrap(api.POST("/api/v1/projects/{project_id}/api-keys", { params: { path: { project_id: projectId } }, body: { name } })),
    onSuccess: (key) => { setCreated(key.key); form.resetFields(); refresh(); },
    onError: (err) => void message.error(errorText(err)),
  });
  const revoke = useMutation({
    mutationFn: (keyId: string) => unwrap(api.DELETE("/api/v1/projects/{project_id}/api-keys/{key_id}", { params: { path: { project_id: projectId, key_id: keyId } } })),
    onSuccess: refresh,
    onError: (err) => void message.error(errorText(err)),
  });
  if (keys.error) return <QueryError error={keys.error} onRetry={() => void keys.refetch()} />;
  return (
    <Space orientation="vertical" style={{ width: "100%" }} size="middle">
      <Card title={t("llm.apiKeys")}>
        {canEdit && (
          <Form form={form} layout="inline" style={{ marginBottom: 16 }} onFinish={(v) => create.mutate(v.name)}>
            <Form.Item name="name" rules={[{ required: true, message: t("common.required") }]}>
              <Input placeholder={t("llm.keyName")} maxLength={100} data-testid="api-key-name" />
            </Form.Item>
            <Button type="primary" htmlType="submit" loading={create.isPending} data-testid="api-key-create">{t("llm.createKey")}</Button>
          </Form>
        )}
        <Table<ApiKey> rowKey="id" size="small" loading={keys.isLoading} dataSource={keys.data} pagination={false}
          locale={{ emptyText: <Empty description={t("llm.noKeys")} /> }}
          columns={[
            { title: t("llm.keyName"), dataIndex: "name" },
            { title: t("llm.prefix"), dataIndex: "prefix", render: (p: string) => <Typography.Text code>{p}…</Typography.Text> },
            { title: t("common.status"), render: (_, k) => (k.revoked_at ? <Tag>{t("llm.revoked")}</Tag> : <Tag color="success">{t("llm.active")}</Tag>) },
            { title: t("common.createdAt"), dataIndex: "created_at", render: formatTime },
            { title: t("llm.lastUsed"), dataIndex: "last_used_at", render: formatTime },
            { title: t("llm.calls"), dataIndex: "calls" },
            { title: t("llm.tokensUsed"), render: (_, k) => `${k.prompt_tokens} / ${k.completion_tokens}` },
            ...(canEdit ? [{
              title: t("common.actions"),
              render: (_: unknown, k: ApiKey) => !k.revoked_at && (
                <Popconfirm title={t("llm.revokeConfirm")} onConfirm={() => revoke.mutate(k.id)}>
                  <Button size="small" danger data-testid={`api-key-revoke-${k.name}`}>{t("llm.revoke")}</Button>
                </Popconfirm>
              ),
            }] : []),
          ]} />
      </Card>
      {projectId && <Card title={t("llm.howToCall")}><Snippets projectId={projectId} /></Card>}
      {/* Destroyed on close: a hidden dialog would keep the secret in the page. */}
      <Modal open={created !== null} destroyOnHidden title={t("llm.keyCreated")} onCancel={() => setCreated(null)} footer={<Button type="primary" onClick={() => setCreated(null)}>{t("common.done")}</Button>} width={720}>
        <Alert type="warning" showIcon title={t("llm.keyOnce")} style={{ marginBottom: 12 }} />
        <Typography.Paragraph copyable={{ text: created ?? "", tooltips: [t("llm.copy"), t("llm.copied")] }} data-testid="api-key-secret">
          <Typography.Text code>{created}</Typography.Text>
        </Typography.Paragraph>
        {created && projectId && <Snippets projectId={projectId} secret={created} />}
      </Modal>
    </Space>
  );
}
