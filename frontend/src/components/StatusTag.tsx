/** A coloured, translated status label. */
import { Tag } from "antd";
import { useTranslation } from "react-i18next";

const COLORS: Record<string, string> = {
  queued: "default",
  running: "processing",
  processing: "processing",
  cancelling: "warning",
  succeeded: "success",
  ready: "success",
  failed: "error",
  error: "error",
  cancelled: "default",
  pending: "default",
  stopped_budget: "warning",
};

export function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return (
    <Tag color={COLORS[status] ?? "default"} data-status={status}>
      {t(`status.${status}`, { defaultValue: status })}
    </Tag>
  );
}
