/** Members of the current project; owners (and admins) add, re-role and remove them, and see
 * the project's quotas and usage (admins edit the quotas). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, Popconfirm, Select, Space, Table, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import type { Member } from "../api/types";
import { PageSkeleton } from "../components/PageSkeleton";
import { ProjectQuotaCard } from "../components/ProjectQuotaCard";
import { QueryError } from "../components/QueryError";
import { useProject } from "../hooks/useProject";
import { useMe } from "../hooks/useSession";
import { applyFieldErrors } from "../lib/forms";
import { errorText } from "../api/errorText";

type Role = Member["role"];
const ROLES: Role[] = ["owner", "editor", "viewer"];

export function MembersPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const { project } = useProject();
  const me = useMe();
  const [form] = Form.useForm<{ username: string; role: Role }>();
  const projectId = project?.id ?? "";
  const canManage = project?.my_role === "owner" || me.data?.role === "admin";
  const key = ["members", projectId];

  const members = useQuery({
    queryKey: key,
    enabled: !!projectId,
    queryFn: () =>
      unwrap(api.GET("/api/v1/projects/{project_id}/members", { params: { path: { project_id: projectId } } })),
  });
  const onDone = () => void queryClient.invalidateQueries({ queryKey: key });
  const path = (userId: string) => ({ params: { path: { project_id: projectId, user_id: userId } } });

  const add = useMutation({
    mutationFn: (body: { username: string; role: Role }) =>
      unwrap(api.POST("/api/v1/projects/{project_id}/members", { params: { path: { project_id: projectId } }, body })),
    onSuccess: () => {
      form.resetFields();
      onDone();
    },
    onError: (err) => applyFieldErrors(form, err, message),
  });
  const changeRole = useMutation({
    mutationFn: ({ userId, role }: { userId: string; role: Role }) =>
      unwrap(api.PATCH("/api/v1/projects/{project_id}/members/{user_id}", { ...path(userId), body: { role } })),
    onSuccess: onDone,
    onError: (err) => void message.error(errorText(err)),
  });
  const remove = useMutation({
    mutationFn: (userId: string) => unwrap(api.DELETE("/api/v1/projects/{project_id}/members/{user_id}", path(userId))),
    onSuccess: onDone,
    onError: (err) => void message.error(errorText(err)),
  });

  if (!project || members.isLoading) return <PageSkeleton />;
  if (members.error) return <QueryError error={members.error} onRetry={() => void members.refetch()} />;
  const roleOptions = ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }));

  return (
    <Space orientation="vertical" style={{ width: "100%" }} size="middle">
    <Card title={`${t("members.title")} · ${project.name}`}>
      {canManage ? (
        <Form form={form} layout="inline" onFinish={(v) => add.mutate(v)} style={{ marginBottom: 16 }}>
          <Form.Item name="username" label={t("members.username")} rules={[{ required: true }]}>
            <Input />
          </Form.Item>
          <Form.Item name="role" label={t("members.role")} initialValue="viewer">
            <Select options={roleOptions} style={{ width: 140 }} />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={add.isPending}>
            {t("members.add")}
          </Button>
        </Form>
      ) : (
        <Typography.Paragraph type="secondary">{t("members.onlyOwner")}</Typography.Paragraph>
      )}
      <Table<Member>
        rowKey="user_id"
        dataSource={members.data}
        pagination={false}
        columns={[
          { title: t("members.username"), dataIndex: "username" },
          { title: t("users.displayName"), dataIndex: "display_name" },
          {
            title: t("members.role"),
            dataIndex: "role",
            render: (role: Role, m) =>
              canManage ? (
                <Select
                  value={role}
                  options={roleOptions}
                  style={{ width: 140 }}
                  onChange={(r: Role) => changeRole.mutate({ userId: m.user_id, role: r })}
                />
              ) : (
                t(`roles.${role}`)
              ),
          },
          {
            title: t("common.actions"),
            render: (_, m) =>
              canManage && (
                <Space>
                  <Popconfirm title={t("members.removeConfirm")} onConfirm={() => remove.mutate(m.user_id)}>
                    <Button danger size="small">
                      {t("members.remove")}
                    </Button>
                  </Popconfirm>
                </Space>
              ),
          },
        ]}
      />
    </Card>
    {canManage && <ProjectQuotaCard projectId={projectId} isAdmin={me.data?.role === "admin"} />}
    </Space>
  );
}
