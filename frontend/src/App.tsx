/** Providers (query cache, Ant Design locale) and the routes of the console. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { App as AntApp, ConfigProvider } from "antd";
import enUS from "antd/locale/en_US";
import zhCN from "antd/locale/zh_CN";
import { lazy } from "react";
import { useTranslation } from "react-i18next";
import { BrowserRouter, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { ApiError } from "./api/errors";
import { AppLayout } from "./components/AppLayout";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { ProjectProvider } from "./hooks/useProject";
import { useSignedIn } from "./hooks/useSession";
import { LoginPage } from "./pages/LoginPage";

const ApiKeysPage = lazy(() => import("./pages/ApiKeysPage").then((m) => ({ default: m.ApiKeysPage })));
const AdminUsersPage = lazy(() => import("./pages/AdminUsersPage").then((m) => ({ default: m.AdminUsersPage })));
const BaseModelsPage = lazy(() => import("./pages/BaseModelsPage").then((m) => ({ default: m.BaseModelsPage })));
const ProfilePage = lazy(() => import("./pages/ProfilePage").then((m) => ({ default: m.ProfilePage })));
const ProjectsPage = lazy(() => import("./pages/ProjectsPage").then((m) => ({ default: m.ProjectsPage })));
const AuditLogPage = lazy(() => import("./pages/AuditLogPage").then((m) => ({ default: m.AuditLogPage })));
const ComparePage = lazy(() => import("./pages/ComparePage").then((m) => ({ default: m.ComparePage })));
const DistillationPage = lazy(() => import("./pages/DistillationPage").then((m) => ({ default: m.DistillationPage })));
const DistillationsPage = lazy(() => import("./pages/DistillationsPage").then((m) => ({ default: m.DistillationsPage })));
const DashboardPage = lazy(() => import("./pages/DashboardPage").then((m) => ({ default: m.DashboardPage })));
const DatasetDetailPage = lazy(() => import("./pages/DatasetDetailPage").then((m) => ({ default: m.DatasetDetailPage })));
const DatasetsPage = lazy(() => import("./pages/DatasetsPage").then((m) => ({ default: m.DatasetsPage })));
const JobDetailPage = lazy(() => import("./pages/JobDetailPage").then((m) => ({ default: m.JobDetailPage })));
const JobsPage = lazy(() => import("./pages/JobsPage").then((m) => ({ default: m.JobsPage })));
const MembersPage = lazy(() => import("./pages/MembersPage").then((m) => ({ default: m.MembersPage })));
const ModelDetailPage = lazy(() => import("./pages/ModelDetailPage").then((m) => ({ default: m.ModelDetailPage })));
const ModelsPage = lazy(() => import("./pages/ModelsPage").then((m) => ({ default: m.ModelsPage })));
const NewJobPage = lazy(() => import("./pages/NewJobPage").then((m) => ({ default: m.NewJobPage })));
const LabelingRunPage = lazy(() => import("./pages/LabelingRunPage").then((m) => ({ default: m.LabelingRunPage })));
const LabelingRunsPage = lazy(() => import("./pages/LabelingRunsPage").then((m) => ({ default: m.LabelingRunsPage })));
const NewLabelingRunPage = lazy(() => import("./pages/NewLabelingRunPage").then((m) => ({ default: m.NewLabelingRunPage })));
const TeacherProvidersPage = lazy(() => import("./pages/TeacherProvidersPage").then((m) => ({ default: m.TeacherProvidersPage })));
const ReviewQueuePage = lazy(() => import("./pages/ReviewQueuePage").then((m) => ({ default: m.ReviewQueuePage })));
const NotFoundPage = lazy(() => import("./pages/NotFoundPage").then((m) => ({ default: m.NotFoundPage })));

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (count, error) =>
          count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
        refetchOnWindowFocus: false,
      },
    },
  });
}

function RequireAuth() {
  const signedIn = useSignedIn();
  const location = useLocation();
  if (!signedIn) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return (
    <ProjectProvider>
      <AppLayout />
    </ProjectProvider>
  );
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route element={<RequireAuth />}>
        <Route index element={<DashboardPage />} />
        <Route path="datasets" element={<DatasetsPage />} />
        <Route path="datasets/:id" element={<DatasetDetailPage />} />
        <Route path="jobs" element={<JobsPage />} />
        <Route path="jobs/new" element={<NewJobPage />} />
        <Route path="jobs/:id" element={<JobDetailPage />} />
        <Route path="labeling" element={<LabelingRunsPage />} />
        <Route path="labeling/new" element={<NewLabelingRunPage />} />
        <Route path="labeling/:id" element={<LabelingRunPage />} />
        <Route path="models" element={<ModelsPage />} />
        <Route path="models/compare" element={<ComparePage />} />
        <Route path="models/:id" element={<ModelDetailPage />} />
        <Route path="labeling-runs/:runId/review" element={<ReviewQueuePage />} />
        <Route path="distillations" element={<DistillationsPage />} />
        <Route path="distillations/:id" element={<DistillationPage />} />
        <Route path="members" element={<MembersPage />} />
        <Route path="projects" element={<ProjectsPage />} />
        <Route path="base-models" element={<BaseModelsPage />} />
        <Route path="api-keys" element={<ApiKeysPage />} />
        <Route path="profile" element={<ProfilePage />} />
        <Route path="admin/users" element={<AdminUsersPage />} />
        <Route path="admin/audit" element={<AuditLogPage />} />
        <Route path="admin/teachers" element={<TeacherProvidersPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}

const queryClient = makeQueryClient();

export default function App() {
  const { i18n } = useTranslation();
  return (
    <ConfigProvider locale={i18n.language === "en" ? enUS : zhCN}>
      <AntApp>
        <QueryClientProvider client={queryClient}>
          <ErrorBoundary>
            <BrowserRouter>
              <AppRoutes />
            </BrowserRouter>
          </ErrorBoundary>
        </QueryClientProvider>
      </AntApp>
    </ConfigProvider>
  );
}
