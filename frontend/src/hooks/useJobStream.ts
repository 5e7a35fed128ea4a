/** Live job state over the WebSocket: snapshot + events, resuming from the last event id. */
import { useEffect, useReducer, useRef, useState } from "react";
import { refreshTokens } from "../api/client";
import { tokenStore } from "../api/tokens";
import { initialStream, isFinished, reduceStream, type StreamState } from "../lib/jobStream";

export type Connection = "connecting" | "open" | "reconnecting" | "closed";
const MAX_BACKOFF_MS = 10_000;

type Action = Parameters<typeof reduceStream>[1] | { type: "reset" };

/** The stream's state, or a fresh one when another job is followed. */
function reduce(state: StreamState, action: Action): StreamState {
  return action.type === "reset" ? initialStream : reduceStream(state, action);
}

function socketUrl(jobId: string, lastEventId: number): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/ws/jobs/${jobId}?last_event_id=${lastEventId}`;
}

/** Follow a job; with no job id nothing connects and the connection reads "closed". */
export function useJobStream(jobId: string | null | undefined): StreamState & { connection: Connection } {
  const [state, dispatch] = useReducer(reduce, initialStream);
  const [connection, setConnection] = useState<Connection>("connecting");
  const [followed, setFollowed] = useState(jobId);
  if (followed !== jobId) {
    // another job (a resumed run's new one): its events start from scratch
    setFollowed(jobId);
    setConnection("connecting");
    dispatch({ type: "reset" });
  }
  const cursor = useRef(0);
  const finished = useRef(false);

  useEffect(() => {
    cursor.current = state.lastEventId;
    finished.current = isFinished(state.job?.status);
  }, [state.lastEventId, state.job?.status]);

  useEffect(() => {
    if (!jobId) return;
    let socket: WebSocket | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempt = 0;
    let stopped = false;

    const connect = () => {
      if (stopped) return;
      socket = new WebSocket(socketUrl(jobId, cursor.current));
      socket.onopen = () => {
        socket?.send(JSON.stringify({ token: tokenStore.get()?.access ?? "", last_event_id: cursor.current }));
      };
      socket.onmessage = (msg) => {
        attempt = 0;
        setConnection("open");
        dispatch(JSON.parse(String(msg.data)));
      };
      socket.onclose = (event) => {
        if (stopped) return;
        if (event.code === 4404 || (finished.current && event.code === 1000)) {
          setConnection("closed");
          return;
        }
        setConnection("reconnecting");
        attempt += 1;
        const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(attempt, 5));
        const again = event.code === 4401 ? refreshTokens().then(() => undefined) : Promise.resolve();
        void again.finally(() => {
          timer = setTimeout(connect, delay);
        });
      };
    };
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      socket?.close();
    };
  }, [jobId]);

  return { ...state, connection: jobId ? connection : "closed" };
}
