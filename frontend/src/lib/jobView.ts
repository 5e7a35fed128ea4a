/** What the job pages derive from a job: the live ETA, the stage and the queue place in words. */
import type { Job } from "../api/domain";
import { isFinished } from "./jobStream";

/** Seconds left, from the progress made since the job started (null when unknown). */
export function liveEta(job: Pick<Job, "status" | "progress" | "started_at">, nowMs: number): number | null {
  if (job.status !== "running" || !job.started_at || !(job.progress > 0) || job.progress >= 1) return null;
  const elapsed = (nowMs - Date.parse(job.started_at)) / 1000;
  if (!(elapsed > 0)) return null;
  return (elapsed * (1 - job.progress)) / job.progress;
}

/** The stage to show: the finished status once done, else the trainer's latest stage message. */
export function stageOf(job: Pick<Job, "status" | "message">): { kind: "status" | "stage"; key: string } | null {
  if (isFinished(job.status) || job.status === "queued" || job.status === "cancelling") return { kind: "status", key: job.status };
  return job.message ? { kind: "stage", key: job.message } : null;
}

/** A queued job's place in words: "starts next" or "N jobs ahead" ("—" when unknown). */
export function queuePlace(t: (key: string, vars?: Record<string, unknown>) => string, job: Pick<Job, "status" | "queue_position">): string {
  if (job.status !== "queued" || job.queue_position == null) return "—";
  return job.queue_position === 0 ? t("jobs.queueNext") : t("jobs.queueAhead", { count: job.queue_position });
}
