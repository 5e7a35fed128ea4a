/** The job's live log with a text search, a level filter and the full log's download. */
import { App, Button, Input, Select, Space } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { errorText } from "../api/errorText";
import { downloadFile } from "../lib/download";

const LEVELS = ["debug", "info", "warning", "error"];

/** A stream line `[level] message` as its parts. */
export function parseLogLine(line: string): { level: string; text: string } {
  const match = /^\[(\w+)\] ?(.*)$/s.exec(line);
  return match ? { level: match[1].toLowerCase(), text: match[2] } : { level: "info", text: line };
}

/** Lines at or above `level` that contain `query` (case-insensitive). */
export function filterLog(lines: string[], query: string, level: string | null): string[] {
  const floor = level ? LEVELS.indexOf(level) : -1;
  const needle = query.trim().toLowerCase();
  return lines.filter((line) => {
    const parsed = parseLogLine(line);
    const rank = LEVELS.indexOf(parsed.level === "warn" ? "warning" : parsed.level);
    return (floor < 0 || rank >= floor) && (!needle || parsed.text.toLowerCase().includes(needle));
  });
}

export function JobLog({ jobId, lines }: { jobId: string; lines: string[] }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [query, setQuery] = useState("");
  const [level, setLevel] = useState<string | null>(null);
  const shown = useMemo(() => filterLog(lines, query, level), [lines, query, level]);
  const download = () =>
    downloadFile(`/jobs/${jobId}/logs/download`, `job-${jobId}.log`).catch((e: unknown) => void message.error(errorText(e)));
  return (
    <Space orientation="vertical" style={{ width: "100%" }}>
      <Space wrap>
        <Input.Search allowClear placeholder={t("jobs.logSearch")} onChange={(e) => setQuery(e.target.value)} style={{ width: 200 }} data-testid="log-search" />
        <Select allowClear placeholder={t("jobs.logLevel")} value={level} onChange={(v: string | undefined) => setLevel(v ?? null)} style={{ width: 120 }}
          options={LEVELS.map((l) => ({ value: l, label: t(`logLevels.${l}`) }))} data-testid="log-level" />
        <Button onClick={() => void download()} data-testid="log-download">{t("jobs.downloadLog")}</Button>
      </Space>
      <pre data-testid="job-logs" data-user-content={shown.length > 0 ? true : undefined} style={{ height: 280, overflow: "auto", background: "#0b1021", color: "#d6deeb", padding: 12, fontSize: 12, margin: 0, whiteSpace: "pre-wrap", wordBreak: "break-all" }}>
        {shown.slice(-300).join("\n") || t("jobs.noLogs")}
      </pre>
    </Space>
  );
}
