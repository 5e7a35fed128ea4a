/** A failed query, with its message and a retry button. */
import { Alert, Button } from "antd";
import { useTranslation } from "react-i18next";
import { errorText } from "../api/errorText";

export function QueryError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const message = error ? errorText(error) : t("errors.network");
  return (
    <Alert
      type="error"
      showIcon
      title={t("common.error")}
      description={message}
      action={onRetry ? <Button onClick={onRetry}>{t("common.retry")}</Button> : undefined}
    />
  );
}
