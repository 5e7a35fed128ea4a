/** English strings (same keys as zh). */
import type { Messages } from "./zh";

const en: Messages = {
  app: { title: "Small Model Training Platform", language: "Language", switchLang: "中文" },
  common: {
    save: "Save", cancel: "Cancel", delete: "Delete", confirmDelete: "Delete it?", create: "Create",
    edit: "Edit", search: "Search", loading: "Loading…", empty: "No data", retry: "Retry",
    actions: "Actions", name: "Name", status: "Status", createdAt: "Created", back: "Back",
    refresh: "Refresh", details: "Details", yes: "Yes", no: "No", submit: "Submit", next: "Next",
    prev: "Previous", error: "Something went wrong", reload: "Reload", download: "Download",
    all: "All", saved: "Saved", done: "Done", close: "Close",
  },
  nav: {
    dashboard: "Dashboard", datasets: "Datasets", newJob: "New training", jobs: "Jobs",
    models: "Models", compare: "Compare models", members: "Members", users: "Users",
    audit: "Audit log", admin: "Administration", logout: "Sign out", project: "Project",
  },
  login: {
    title: "Sign in", username: "Username", password: "Password", submit: "Sign in",
    required: "Please enter the {{field}}", failed: "Sign-in failed: {{message}}",
    subtitle: "Upload data, train small models, serve predictions",
  },
  project: { none: "No project available", personal: " (personal)", role: "My role" },
  roles: { owner: "Owner", editor: "Editor", viewer: "Viewer", admin: "Admin", member: "Member" },
  members: {
    title: "Project members", add: "Add member", username: "Username", role: "Role",
    onlyOwner: "Only the project owner can manage members", remove: "Remove",
    removeConfirm: "Remove this member?",
  },
  users: {
    title: "Users", create: "New user", username: "Username", displayName: "Display name",
    email: "Email", role: "System role", active: "Active", disable: "Disable", enable: "Enable",
    resetPassword: "Reset password", newPassword: "New password", password: "Initial password",
    passwordReset: "Password reset",
  },
  audit: {
    title: "Audit log", action: "Action", actor: "Actor", objectType: "Object type",
    object: "Object", ip: "IP", time: "Time", range: "Time range", details: "Details",
  },
  dashboard: {
    title: "Dashboard", datasets: "Datasets", activeJobs: "Queued / running jobs", models: "Models",
    recentModels: "Recent models", recentActivity: "Recent activity", recentJobs: "Recent jobs",
    getStarted: "Start by uploading a dataset", upload: "Upload a dataset", train: "Train a model",
  },
  datasets: {
    title: "Datasets", upload: "Upload dataset",
    dragHint: "Click or drag a CSV / Excel / JSON file here to upload",
    uploading: "Uploading {{name}}", uploaded: "Uploaded", rows: "Rows", columns: "Columns",
    size: "Size", format: "Format", preview: "Preview", profile: "Column profile",
    validate: "Validate", validation: "Validation report", taskType: "Task type",
    targetColumn: "Target column", textColumn: "Text column", runValidation: "Run validation",
    valid: "Valid", invalid: "Invalid",
    deleteConfirm: "Delete dataset “{{name}}”? This cannot be undone.", column: "Column",
    dtype: "Type", missing: "Missing", unique: "Unique", stats: "Statistics",
    distribution: "Distribution", searchPlaceholder: "Search by name", noDatasets: "No datasets yet",
    errors: "Errors", warnings: "Warnings", cancelUpload: "Cancel upload", encoding: "Encoding",
  },
  jobs: {
    title: "Training jobs", new: "New training", dataset: "Dataset", taskType: "Task type",
    mapping: "Column mapping", params: "Parameters", review: "Review", advanced: "Advanced",
    name: "Job name", progress: "Progress", eta: "ETA", cancel: "Cancel job", retry: "Retry",
    cancelConfirm: "Cancel this job?", curves: "Training curves", logs: "Logs", events: "Events",
    model: "Open model", live: "Live", reconnecting: "Connection lost, reconnecting…",
    started: "Started", finished: "Finished", error: "Error", noJobs: "No training jobs yet",
    submitted: "Job submitted", step: "step", epoch: "epoch", noMetrics: "No metrics yet",
    selectDataset: "Choose a dataset", chooseTask: "Choose a task type",
    targetColumn: "Target column", textColumn: "Text column",
    featureColumns: "Feature columns (empty = all)", stage: "Stage", createdBy: "Created by",
  },
  status: {
    queued: "Queued", running: "Running", succeeded: "Succeeded", failed: "Failed",
    cancelled: "Cancelled", cancelling: "Cancelling", ready: "Ready", uploading: "Uploading",
    processing: "Processing", error: "Error",
  },
  models: {
    title: "Models", version: "Version", metrics: "Metrics", confusion: "Confusion matrix",
    perClass: "Per-class metrics", importance: "Feature importance",
    mistakes: "Most confident mistakes", card: "Model card", download: "Download model",
    tryIt: "Try it", predict: "Predict", prediction: "Prediction", input: "Input",
    compare: "Compare selected", compareHint: "Select 2–4 models to compare", noModels: "No models yet",
    job: "Training job", precision: "Precision", recall: "Recall", f1: "F1", support: "Support",
    label: "Class", predicted: "Predicted", actual: "Actual", confidence: "Confidence",
    class: "Class", probability: "Probability", metric: "Metric", curves: "Training curves",
    text: "Text",
  },
  tasks: { tabular_classification: "Tabular classification", tabular_regression: "Tabular regression", text_classification: "Text classification" },
  errors: {
    boundary: "This page failed", network: "Network error, please retry",
    notFound: "Page not found", forbidden: "Not allowed", goHome: "Back home",
  },
};

export default en;
