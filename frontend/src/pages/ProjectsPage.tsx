/** The projects I belong to, and a form to create one (its creator becomes the owner). */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Form, Input, Modal, Table, Tag } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import type { Project } from "../api/types";
import { useProject } from "../hooks/useProject";
import { applyFieldErrors } from "../lib/forms";
import { formatTime } from "../lib/format";

interface NewProject {
  name: string;
  description?: string;
}

export function ProjectsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const { projects, project, select } = useProject();
  const [creating, setCreating] = useState(false);
  const [form] = Form.useForm<NewProject>();
  const create = useMutation({
    mutationFn: (body: NewProject) => unwrap(api.POST("/api/v1/projects", { body: { name: body.name, description: body.description ?? "" } })),
    onSuccess: async (created) => {
      setCreating(false);
      form.resetFields();
      await queryClient.invalidateQueries({ queryKey: ["projects"] });
      select(created.id);
      void message.success(t("projects.created"));
    },
    onError: (err) => applyFieldErrors(form, err, message),
  });
  return (
    <Card title={t("projects.title")}
      extra={<Button type="primary" onClick={() => setCreating(true)} data-testid="create-project">{t("projects.create")}</Button>}>
      <Table<Project>
        rowKey="id"
        size="small"
        dataSource={projects}
        pagination={false}
        data-testid="projects-table"
        columns={[
          { title: t("projects.name"), dataIndex: "name", render: (name: string, p) => <><span data-user-content>{name}</span>{p.is_personal && <Tag style={{ marginLeft: 8 }}>{t("projects.personal")}</Tag>}</> },
          {
            title: t("projects.description"),
            dataIndex: "description",
            render: (description: string, p) =>
              p.is_personal && !description ? t("projects.personal") : <span data-user-content>{description}</span>,
          },
          { title: t("projects.role"), dataIndex: "my_role", render: (role: string | null) => (role ? t(`roles.${role}`) : "—") },
          { title: t("common.createdAt"), dataIndex: "created_at", render: formatTime },
          {
            title: t("common.actions"),
            render: (_, p) => (p.id === project?.id ? <Tag color="blue">{t("nav.project")}</Tag> : <Button size="small" onClick={() => select(p.id)}>{t("projects.open")}</Button>),
          },
        ]}
      />
      <Modal open={creating} title={t("projects.create")} onCancel={() => setCreating(false)}
        onOk={() => form.submit()} confirmLoading={create.isPending} destroyOnHidden>
        <Form form={form} layout="vertical" onFinish={(v) => create.mutate(v)}>
          <Form.Item name="name" label={t("projects.name")} rules={[{ required: true, message: t("common.required") }]}><Input /></Form.Item>
          <Form.Item name="description" label={t("projects.description")}><Input.TextArea autoSize /></Form.Item>
        </Form>
      </Modal>
    </Card>
  );
}
