/** Administration of users: create, enable/disable, change role, reset password. */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, Modal, Select, Space, Switch, Table } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import type { User } from "../api/types";
import { QueryError } from "../components/QueryError";
import { useMe } from "../hooks/useSession";
import { applyFieldErrors } from "../lib/forms";
import { formatTime } from "../lib/format";
import { errorText } from "../api/errorText";

interface NewUser {
  username: string;
  password: string;
  display_name?: string;
  email?: string;
  role: User["role"];
}

export function AdminUsersPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [search, setSearch] = useState("");
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<User | null>(null);
  const me = useMe();
  const [createForm] = Form.useForm<NewUser>();
  const [resetForm] = Form.useForm<{ new_password: string }>();
  const pageSize = 20;

  const users = useQuery({
    queryKey: ["users", search, page],
    queryFn: () =>
      unwrap(
        api.GET("/api/v1/users", {
          params: { query: { search: search || undefined, limit: pageSize, offset: (page - 1) * pageSize } },
        }),
      ),
  });
  const refresh = () => void queryClient.invalidateQueries({ queryKey: ["users"] });

  const create = useMutation({
    mutationFn: (body: NewUser) =>
      unwrap(api.POST("/api/v1/users", { body: { ...body, display_name: body.display_name ?? "", email: body.email || null } })),
    onSuccess: () => {
      setCreating(false);
      createForm.resetFields();
      refresh();
    },
    onError: (err) => applyFieldErrors(createForm, err, message),
  });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: { is_active?: boolean; role?: User["role"] } }) =>
      unwrap(api.PATCH("/api/v1/users/{user_id}", { params: { path: { user_id: id } }, body })),
    onSuccess: refresh,
    onError: (err) => void message.error(errorText(err)),
  });
  const reset = useMutation({
    mutationFn: ({ id, password }: { id: string; password: string }) =>
      unwrap(
        api.POST("/api/v1/users/{user_id}/password", {
          params: { path: { user_id: id } },
          body: { new_password: password },
        }),
      ),
    onSuccess: () => {
      setResetting(null);
      resetForm.resetFields();
      void message.success(t("users.passwordReset"));
    },
    onError: (err) => applyFieldErrors(resetForm, err, message, { password: "new_password" }),
  });

  const roleOptions = (["admin", "member"] as const).map((r) => ({ value: r, label: t(`roles.${r}`) }));
  return (
    <Card
      title={t("users.title")}
      extra={
        <Space>
          <Input.Search placeholder={t("common.search")} allowClear onSearch={(v) => { setSearch(v); setPage(1); }} />
          <Button type="primary" onClick={() => setCreating(true)} data-testid="create-user">
            {t("users.create")}
          </Button>
        </Space>
      }
    >
      {users.error && <QueryError error={users.error} onRetry={() => void users.refetch()} />}
      <Table<User>
        rowKey="id"
        loading={users.isLoading}
        dataSource={users.data?.items}
        pagination={{ current: page, pageSize, total: users.data?.total, onChange: setPage }}
        columns={[
          { title: t("users.username"), dataIndex: "username", render: (name: string, u) => (u.id === me.data?.id ? `${name}${t("common.me")}` : name) },
          { title: t("users.displayName"), dataIndex: "display_name" },
          { title: t("users.email"), dataIndex: "email" },
          {
            title: t("users.role"),
            dataIndex: "role",
            render: (role: User["role"], u) => (
              <Select value={role} options={roleOptions} style={{ width: 110 }} disabled={u.id === me.data?.id} aria-label={t("users.role")}
                onChange={(r: User["role"]) => update.mutate({ id: u.id, body: { role: r } })} />
            ),
          },
          {
            title: t("users.active"),
            dataIndex: "is_active",
            render: (active: boolean, u) => (
              <Switch checked={active} aria-label={t("users.active")} disabled={u.id === me.data?.id}
                onChange={(v) => update.mutate({ id: u.id, body: { is_active: v } })} />
            ),
          },
          { title: t("common.createdAt"), dataIndex: "created_at", render: formatTime },
          {
            title: t("common.actions"),
            render: (_, u) => <Button size="small" onClick={() => setResetting(u)}>{t("users.resetPassword")}</Button>,
          },
        ]}
      />
      <Modal open={creating} title={t("users.create")} onCancel={() => setCreating(false)}
        onOk={() => createForm.submit()} confirmLoading={create.isPending} destroyOnHidden>
        <Form form={createForm} layout="vertical" onFinish={(v) => create.mutate(v)} initialValues={{ role: "member" }}>
          <Form.Item name="username" label={t("users.username")} rules={[{ required: true }]}><Input /></Form.Item>
          <Form.Item name="password" label={t("users.password")} rules={[{ required: true }]}><Input.Password /></Form.Item>
          <Form.Item name="display_name" label={t("users.displayName")}><Input /></Form.Item>
          <Form.Item name="email" label={t("users.email")}><Input type="email" /></Form.Item>
          <Form.Item name="role" label={t("users.role")}><Select options={roleOptions} /></Form.Item>
        </Form>
      </Modal>
      <Modal open={!!resetting} title={`${t("users.resetPassword")} · ${resetting?.username ?? ""}`}
        onCancel={() => setResetting(null)} onOk={() => resetForm.submit()} confirmLoading={reset.isPending} destroyOnHidden>
        <Form form={resetForm} layout="vertical"
          onFinish={(v) => resetting && reset.mutate({ id: resetting.id, password: v.new_password })}>
          <Form.Item name="new_password" label={t("users.newPassword")} rules={[{ required: true }]}><Input.Password /></Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
