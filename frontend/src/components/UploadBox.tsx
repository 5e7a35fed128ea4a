/** Drag-and-drop upload with a real progress bar and a cancel button; says when a large file is
 * converted in the background. */
import { InboxOutlined } from "@ant-design/icons";
import { Alert, App, Button, Progress, Space, Typography, Upload } from "antd";
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { API } from "../api/client";
import type { Dataset } from "../api/domain";
import { ApiError } from "../api/errors";
import { uploadFile } from "../api/upload";
import { errorText } from "../api/errorText";

interface Props {
  projectId: string;
  onUploaded: (dataset: Dataset) => void;
}

export function UploadBox({ projectId, onUploaded }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [file, setFile] = useState<File | null>(null);
  const [percent, setPercent] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);

  const start = async (picked: File) => {
    const controller = new AbortController();
    abort.current = controller;
    setBusy(true);
    setFile(picked);
    setPercent(0);
    setError(null);
    try {
      const dataset = await uploadFile<Dataset>({
        url: `${API}/data/upload?project_id=${encodeURIComponent(projectId)}`,
        file: picked,
        onProgress: setPercent,
        signal: controller.signal,
      });
      if (dataset.status === "processing") void message.info(t("datasets.uploadedProcessing", { name: dataset.name }));
      else void message.success(`${t("datasets.uploaded")}: ${dataset.name}`);
      onUploaded(dataset);
      setFile(null);
    } catch (err) {
      if (err instanceof ApiError && err.code === "cancelled") setFile(null);
      else {
        // a refusal resets the upload (no stale progress bar); its reason stays until the next pick
        setFile(null);
        setPercent(0);
        setError(t("datasets.refused", { name: picked.name, reason: errorText(err) }));
      }
    } finally {
      abort.current = null;
      setBusy(false);
    }
  };

  return (
    <div>
      <Upload.Dragger
        accept=".csv,.tsv,.txt,.xlsx,.xls,.json,.jsonl,.parquet"
        multiple={false}
        showUploadList={false}
        disabled={busy}
        beforeUpload={(picked) => {
          void start(picked);
          return false;
        }}
        data-testid="upload-dragger"
      >
        <p className="ant-upload-drag-icon">
          <InboxOutlined />
        </p>
        <p className="ant-upload-text">{t("datasets.dragHint")}</p>
      </Upload.Dragger>
      {file && (
        <Space orientation="vertical" style={{ width: "100%", marginTop: 12 }} data-testid="upload-progress">
          <Typography.Text>{t("datasets.uploading", { name: file.name })}</Typography.Text>
          <Space style={{ width: "100%" }}>
            <Progress percent={percent} status="active" style={{ width: 360 }} />
            {busy && (
              <Button size="small" onClick={() => abort.current?.abort()}>
                {t("datasets.cancelUpload")}
              </Button>
            )}
          </Space>
        </Space>
      )}
      {error && !file && (
        <Alert type="error" showIcon role="alert" title={error} description={t("datasets.uploadAgain")} style={{ marginTop: 12 }}
          closable={{ onClose: () => setError(null) }} data-testid="upload-error" />
      )}
    </div>
  );
}
