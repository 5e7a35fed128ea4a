/** The signed-in shell: side menu, project switcher, language switch, user menu. */
import {
  AuditOutlined, DashboardOutlined, DatabaseOutlined, ExperimentOutlined, LogoutOutlined,
  PlusCircleOutlined, TeamOutlined, TranslationOutlined, UnorderedListOutlined, UserOutlined,
  AppstoreOutlined, FolderOutlined, IdcardOutlined, DeploymentUnitOutlined, KeyOutlined, RobotOutlined, TagsOutlined,
} from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Button, Dropdown, Layout, Menu, Select, Space, Typography } from "antd";
import { Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Outlet, useLocation, useNavigate } from "react-router-dom";
import { logout } from "../api/client";
import { useMe } from "../hooks/useSession";
import { useProject } from "../hooks/useProject";
import { setLanguage } from "../i18n";
import { ErrorBoundary } from "./ErrorBoundary";
import { PageSkeleton } from "./PageSkeleton";

const { Header, Sider, Content } = Layout;

function selectedKey(pathname: string): string {
  if (pathname.startsWith("/jobs/new")) return "/jobs/new";
  const match = ["/datasets", "/jobs", "/models", "/members", "/projects", "/base-models", "/api-keys", "/profile", "/admin/users", "/admin/audit", "/admin/teachers", "/labeling", "/distillations"].find(
    (p) => pathname.startsWith(p),
  );
  return match ?? "/";
}

export function AppLayout() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const location = useLocation();
  const queryClient = useQueryClient();
  const me = useMe();
  const { projects, project, select } = useProject();
  const isAdmin = me.data?.role === "admin";

  const items = [
    { key: "/", icon: <DashboardOutlined />, label: t("nav.dashboard") },
    { key: "/datasets", icon: <DatabaseOutlined />, label: t("nav.datasets") },
    { key: "/jobs/new", icon: <PlusCircleOutlined />, label: t("nav.newJob") },
    { key: "/jobs", icon: <UnorderedListOutlined />, label: t("nav.jobs") },
    { key: "/labeling", icon: <TagsOutlined />, label: t("nav.labeling") },
    { key: "/models", icon: <AppstoreOutlined />, label: t("nav.models") },
    { key: "/distillations", icon: <ExperimentOutlined />, label: t("nav.distillations") },
    { key: "/base-models", icon: <DeploymentUnitOutlined />, label: t("nav.baseModels") },
    { key: "/api-keys", icon: <KeyOutlined />, label: t("nav.apiKeys") },
    { key: "/projects", icon: <FolderOutlined />, label: t("nav.projects") },
    { key: "/members", icon: <TeamOutlined />, label: t("nav.members") },
    ...(isAdmin
      ? [
          {
            key: "admin",
            icon: <ExperimentOutlined />,
            label: t("nav.admin"),
            children: [
              { key: "/admin/users", icon: <UserOutlined />, label: t("nav.users") },
              { key: "/admin/audit", icon: <AuditOutlined />, label: t("nav.audit") },
              { key: "/admin/teachers", icon: <RobotOutlined />, label: t("nav.teachers") },
            ],
          },
        ]
      : []),
  ];

  const signOut = async () => {
    await logout();
    queryClient.clear();
    navigate("/login", { replace: true });
  };

  const lang = i18n.language === "en" ? "en" : "zh";
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Sider width={200} theme="light" breakpoint="lg" collapsedWidth={64}>
        <div style={{ padding: "16px", fontWeight: 600, fontSize: 16 }}>{t("app.title")}</div>
        <Menu
          mode="inline"
          selectedKeys={[selectedKey(location.pathname)]}
          defaultOpenKeys={["admin"]}
          items={items}
          onClick={({ key }) => navigate(key)}
        />
      </Sider>
      <Layout>
        <Header
          style={{
            background: "#fff", display: "flex", alignItems: "center", justifyContent: "space-between",
            padding: "0 24px", borderBottom: "1px solid #f0f0f0",
          }}
        >
          <Space>
            <Typography.Text type="secondary">{t("nav.project")}</Typography.Text>
            <Select
              data-testid="project-switcher"
              aria-label={t("nav.project")}
              style={{ minWidth: 220 }}
              value={project?.id}
              placeholder={t("project.none")}
              options={projects.map((p) => ({
                value: p.id,
                label: p.is_personal ? `${p.name}${t("project.personal")}` : p.name,
              }))}
              onChange={(id: string) => {
                select(id);
                void queryClient.invalidateQueries();
              }}
            />
          </Space>
          <Space>
            <Button
              icon={<TranslationOutlined />}
              data-testid="lang-switch"
              onClick={() => setLanguage(lang === "zh" ? "en" : "zh")}
            >
              {t("app.switchLang")}
            </Button>
            <Dropdown
              menu={{
                items: [
                  { key: "profile", icon: <IdcardOutlined />, label: t("nav.profile") },
                  { key: "logout", icon: <LogoutOutlined />, label: t("nav.logout") },
                ],
                onClick: ({ key }) => (key === "profile" ? navigate("/profile") : void signOut()),
              }}
            >
              <Button icon={<UserOutlined />} data-testid="user-menu">
                {me.data?.display_name || me.data?.username}
              </Button>
            </Dropdown>
          </Space>
        </Header>
        <Content style={{ padding: 24, overflow: "auto" }}>
          <ErrorBoundary key={location.pathname}>
            <Suspense fallback={<PageSkeleton />}>
              <Outlet />
            </Suspense>
          </ErrorBoundary>
        </Content>
      </Layout>
    </Layout>
  );
}
