/** Small display helpers. */
import dayjs from "dayjs";

/** A timestamp as local "YYYY-MM-DD HH:mm:ss" ("—" when missing). */
export function formatTime(value?: string | null): string {
  return value ? dayjs(value).format("YYYY-MM-DD HH:mm:ss") : "—";
}

/** Bytes as B / KB / MB / GB. */
export function formatBytes(bytes?: number | null): string {
  if (bytes === undefined || bytes === null) return "—";
  const units = ["B", "KB", "MB", "GB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

/** Seconds as "1h 2m 3s" / "2m 3s" / "3s". */
export function formatDuration(seconds?: number | null): string {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h) return `${h}h ${m}m ${rest}s`;
  if (m) return `${m}m ${rest}s`;
  return `${rest}s`;
}

/** A metric value with 4 significant decimals. */
export function formatMetric(value: unknown): string {
  if (typeof value !== "number") return value === undefined || value === null ? "—" : String(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}
