/** The audit log (admin) with filters by action, actor, object type and time range. */
import { useQuery } from "@tanstack/react-query";
import { Card, DatePicker, Descriptions, Form, Input, Table } from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import type { AuditEntry } from "../api/types";
import { QueryError } from "../components/QueryError";
import { formatTime } from "../lib/format";
import { useNames } from "../i18n/names";

interface Filters {
  action?: string;
  actor?: string;
  object_type?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

export function AuditLogPage() {
  const { t } = useTranslation();
  const name = useNames();
  const [filters, setFilters] = useState<Filters>({});
  const [page, setPage] = useState(1);
  const pageSize = 20;
  const query = {
    action: filters.action || undefined,
    actor: filters.actor || undefined,
    object_type: filters.object_type || undefined,
    since: filters.range?.[0]?.toISOString(),
    until: filters.range?.[1]?.toISOString(),
    limit: pageSize,
    offset: (page - 1) * pageSize,
  };
  const entries = useQuery({
    queryKey: ["audit", query],
    queryFn: () => unwrap(api.GET("/api/v1/audit-logs", { params: { query } })),
  });

  return (
    <Card title={t("audit.title")}>
      <Form<Filters> layout="inline" style={{ marginBottom: 16 }}
        onValuesChange={(_, all) => { setFilters(all); setPage(1); }}>
        <Form.Item name="action" label={t("audit.action")}><Input allowClear style={{ width: 150 }} /></Form.Item>
        <Form.Item name="actor" label={t("audit.actor")}><Input allowClear style={{ width: 130 }} /></Form.Item>
        <Form.Item name="object_type" label={t("audit.objectType")}><Input allowClear style={{ width: 130 }} /></Form.Item>
        <Form.Item name="range" label={t("audit.range")}><DatePicker.RangePicker showTime /></Form.Item>
      </Form>
      {entries.error && <QueryError error={entries.error} onRetry={() => void entries.refetch()} />}
      <Table<AuditEntry>
        rowKey="id"
        size="small"
        loading={entries.isLoading}
        dataSource={entries.data?.items}
        pagination={{ current: page, pageSize, total: entries.data?.total, onChange: setPage, showSizeChanger: false }}
        locale={{ emptyText: t("audit.empty") }}
        expandable={{
          rowExpandable: (e) => Object.keys(e.details ?? {}).length > 0,
          expandedRowRender: (e) => (
            <Descriptions size="small" column={1} bordered data-testid="audit-details" data-user-content>
              {Object.entries(e.details ?? {}).map(([key, value]) => (
                <Descriptions.Item key={key} label={key}>{typeof value === "object" ? JSON.stringify(value, null, 2) : String(value)}</Descriptions.Item>
              ))}
            </Descriptions>
          ),
        }}
        columns={[
          { title: t("audit.time"), dataIndex: "created_at", render: formatTime, width: 170 },
          { title: t("audit.actor"), dataIndex: "actor_username", render: (u: string | null) => <span data-user-content>{u}</span> },
          { title: t("audit.action"), dataIndex: "action", render: (a: string) => name("auditActions", a) },
          { title: t("audit.objectType"), dataIndex: "object_type", render: (o: string) => name("objectTypes", o) },
          { title: t("audit.object"), dataIndex: "object_id", ellipsis: true, render: (id: string | null) => <span data-user-content>{id}</span> },
          { title: t("audit.ip"), dataIndex: "ip" },
        ]}
      />
    </Card>
  );
}
