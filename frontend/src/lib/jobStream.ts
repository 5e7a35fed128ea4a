/** Folding a job's WebSocket messages (snapshot, events, pings) into what the page shows. */
import type { Job, JobEvent } from "../api/domain";

export type Point = [number, number];

export interface StreamState {
  job: Job | null;
  lastEventId: number;
  series: Record<string, Point[]>;
  logs: string[];
  timeline: JobEvent[];
  startedAtMs: number | null;
}

export const MAX_LOG_LINES = 500;
const MAX_TIMELINE = 200;

export const initialStream: StreamState = {
  job: null,
  lastEventId: 0,
  series: {},
  logs: [],
  timeline: [],
  startedAtMs: null,
};

type Message = { type: string; job?: Job | null } & Partial<JobEvent>;

function addMetrics(series: StreamState["series"], data: Record<string, unknown>, fallbackX: number) {
  const metrics = (data.metrics ?? {}) as Record<string, unknown>;
  const split = typeof data.split === "string" ? data.split : "train";
  const x = typeof data.step === "number" ? data.step : typeof data.epoch === "number" ? data.epoch : fallbackX;
  const next = { ...series };
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value !== "number") continue;
    const key = `${split}/${name}`;
    next[key] = [...(next[key] ?? []), [x, value]];
  }
  return next;
}

function applyProgress(job: Job | null, data: Record<string, unknown>): Job | null {
  if (!job) return job;
  return {
    ...job,
    progress: typeof data.fraction === "number" ? data.fraction : job.progress,
    epoch: (data.epoch as number | null | undefined) ?? job.epoch,
    step: (data.step as number | null | undefined) ?? job.step,
    total_steps: (data.total_steps as number | null | undefined) ?? job.total_steps,
    message: typeof data.message === "string" ? data.message : job.message,
  };
}

/** The state after one message; events at or before the cursor are ignored (no duplicates). */
export function reduceStream(state: StreamState, message: Message): StreamState {
  if (message.type === "ping") return state;
  if (message.type === "snapshot") return { ...state, job: message.job ?? state.job };
  const id = typeof message.id === "number" ? message.id : null;
  if (id === null || id <= state.lastEventId) return state;
  const event = message as JobEvent;
  const data = event.data ?? {};
  const next: StreamState = { ...state, lastEventId: id };
  if (event.type === "metrics") {
    next.series = addMetrics(state.series, data, Object.values(state.series)[0]?.length ?? 0);
  } else if (event.type === "progress") {
    next.job = applyProgress(state.job, data);
  } else if (event.type === "log") {
    const line = `[${String(data.level ?? "info")}] ${String(data.message ?? "")}`;
    next.logs = [...state.logs, line].slice(-MAX_LOG_LINES);
  } else if (event.type === "status" && state.job && typeof data.status === "string") {
    next.job = { ...state.job, status: data.status as Job["status"] };
  }
  if (event.type !== "metrics" && event.type !== "log") {
    next.timeline = [...state.timeline, event].slice(-MAX_TIMELINE);
  }
  return next;
}

/** True once the job can no longer change. */
export function isFinished(status?: string | null): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}
