/** My profile (display name, email) and changing my password. */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { App, Button, Card, Descriptions, Form, Input, Space } from "antd";
import { useTranslation } from "react-i18next";
import { api, unwrap } from "../api/client";
import { PageSkeleton } from "../components/PageSkeleton";
import { useMe } from "../hooks/useSession";
import { applyFieldErrors } from "../lib/forms";

interface PasswordValues {
  current_password: string;
  new_password: string;
  confirm: string;
}

export function ProfilePage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const me = useMe();
  const [profileForm] = Form.useForm<{ display_name: string; email: string }>();
  const [passwordForm] = Form.useForm<PasswordValues>();
  const save = useMutation({
    mutationFn: (body: { display_name: string; email: string }) =>
      unwrap(api.PATCH("/api/v1/users/me", { body: { display_name: body.display_name ?? "", email: body.email || null } })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["me"] });
      void message.success(t("common.saved"));
    },
    onError: (err) => applyFieldErrors(profileForm, err, message),
  });
  const change = useMutation({
    mutationFn: (v: PasswordValues) =>
      unwrap(api.POST("/api/v1/users/me/password", { body: { current_password: v.current_password, new_password: v.new_password } })),
    onSuccess: () => {
      passwordForm.resetFields();
      void message.success(t("profile.passwordChanged"));
    },
    onError: (err) => applyFieldErrors(passwordForm, err, message, { password: "new_password" }),
  });
  if (me.isLoading || !me.data) return <PageSkeleton />;
  const user = me.data;
  const required = [{ required: true, message: t("common.required") }];
  return (
    <Space orientation="vertical" style={{ width: "100%" }} size="middle">
      <Card title={t("profile.title")}>
        <Descriptions size="small" column={2} style={{ marginBottom: 16 }}>
          <Descriptions.Item label={t("profile.username")}>{user.username}</Descriptions.Item>
          <Descriptions.Item label={t("profile.role")}>{t(`roles.${user.role}`)}</Descriptions.Item>
        </Descriptions>
        <Form form={profileForm} layout="vertical" style={{ maxWidth: 420 }}
          initialValues={{ display_name: user.display_name, email: user.email ?? "" }} onFinish={(v) => save.mutate(v)}>
          <Form.Item name="display_name" label={t("profile.displayName")}><Input /></Form.Item>
          <Form.Item name="email" label={t("profile.email")}><Input type="email" /></Form.Item>
          <Button type="primary" htmlType="submit" loading={save.isPending}>{t("profile.saveProfile")}</Button>
        </Form>
      </Card>
      <Card title={t("profile.changePassword")}>
        <Form form={passwordForm} layout="vertical" style={{ maxWidth: 420 }} onFinish={(v) => change.mutate(v)} data-testid="password-form">
          <Form.Item name="current_password" label={t("profile.currentPassword")} rules={required}><Input.Password autoComplete="current-password" /></Form.Item>
          <Form.Item name="new_password" label={t("profile.newPassword")} rules={required}><Input.Password autoComplete="new-password" /></Form.Item>
          <Form.Item name="confirm" label={t("profile.confirmPassword")} dependencies={["new_password"]}
            rules={[...required, ({ getFieldValue }) => ({
              validator: (_, value: string) => (!value || value === getFieldValue("new_password") ? Promise.resolve() : Promise.reject(new Error(t("profile.mismatch")))),
            })]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={change.isPending} data-testid="password-submit">{t("profile.changePassword")}</Button>
        </Form>
      </Card>
    </Space>
  );
}
