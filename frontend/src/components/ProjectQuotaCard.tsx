/** A project's quotas next to its usage (owners and admins); admins edit the limits. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, InputNumber, Modal, Progress, Table } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import type { components } from "../api/schema";
import { useNames } from "../i18n/names";
import { applyFieldErrors } from "../lib/forms";
import { formatBytes } from "../lib/format";
import { QueryError } from "./QueryError";

type Usage = components["schemas"]["UsageRead"];
type QuotaName = keyof Usage;
type Limits = Record<QuotaName, number | null>;
const QUOTAS: QuotaName[] = ["running_jobs", "queued_jobs", "gpu_jobs", "storage_bytes", "monthly_teacher_spend"];

function amount(quota: QuotaName, value: number | string | null | undefined): string {
  if (value === null || value === undefined) return "—";
  return quota === "storage_bytes" ? formatBytes(Number(value)) : String(Number(value));
}

export function ProjectQuotaCard({ projectId, isAdmin }: { projectId: string; isAdmin: boolean }) {
  const { t } = useTranslation();
  const name = useNames();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [form] = Form.useForm<Limits>();
  const key = ["project-usage", projectId];
  const usage = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET("/api/v1/projects/{project_id}/usage", { params: { path: { project_id: projectId } } })),
  });
  const save = useMutation({
    mutationFn: (limits: Limits) => {
      const body = Object.fromEntries(QUOTAS.map((q) => [q, limits[q] ?? null]));
      return unwrap(api.PATCH("/api/v1/projects/{project_id}/quotas", { params: { path: { project_id: projectId } }, body }));
    },
    onSuccess: async () => {
      setEditing(false);
      await queryClient.invalidateQueries({ queryKey: key });
      void message.success(t("quotas.saved"));
    },
    onError: (err) => applyFieldErrors(form, err, message),
  });

  const open = () => {
    const data = usage.data;
    if (data) form.setFieldsValue(Object.fromEntries(QUOTAS.map((q) => [q, data[q].limit == null ? null : Number(data[q].limit)])) as Limits);
    setEditing(true);
  };
  const rows = QUOTAS.map((quota) => ({ quota, ...(usage.data?.[quota] ?? { limit: null, used: 0 }) }));

  return (
    <Card title={t("quotas.title")} size="small" data-testid="project-quotas"
      extra={isAdmin && <Button size="small" onClick={open} disabled={!usage.data}>{t("quotas.edit")}</Button>}>
      {usage.error && <QueryError error={usage.error} onRetry={() => void usage.refetch()} />}
      <Table
        rowKey="quota"
        size="small"
        pagination={false}
        loading={usage.isLoading}
        dataSource={rows}
        columns={[
          { title: t("quotas.quota"), dataIndex: "quota", render: (q: QuotaName) => name("quotaNames", q) },
          { title: t("quotas.used"), dataIndex: "used", render: (v: number | string, r) => amount(r.quota, v) },
          { title: t("quotas.limit"), dataIndex: "limit", render: (v: number | string | null, r) => (v == null ? t("quotas.unlimited") : amount(r.quota, v)) },
          {
            title: "",
            width: 160,
            render: (_, r) => (r.limit == null ? null : (
              <Progress size="small" percent={Number(r.limit) > 0 ? Math.min(100, Math.round((Number(r.used) / Number(r.limit)) * 100)) : 100}
                status={Number(r.used) >= Number(r.limit) ? "exception" : "normal"} />
            )),
          },
        ]}
      />
      <Modal open={editing} title={t("quotas.editTitle")} onCancel={() => setEditing(false)}
        onOk={() => form.submit()} confirmLoading={save.isPending} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(v) => save.mutate(v)}>
          {QUOTAS.map((q) => (
            <Form.Item key={q} name={q} label={name("quotaNames", q)} extra={t("quotas.unlimitedHint")}>
              <InputNumber min={0} style={{ width: "100%" }} precision={q === "monthly_teacher_spend" ? 2 : 0} />
            </Form.Item>
          ))}
        </Form>
      </Modal>
    </Card>
  );
}
