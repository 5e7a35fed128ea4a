/** Live job state over the WebSocket: snapshot + events, resuming from the last event id. */
import { useEffect, useReducer, useRef, useState } from "react";
import { refreshTokens } from "../api/client";
import { tokenStore } from "../api/tokens";
import { initialStream, isFinished, reduceStream, type StreamState } from "../lib/jobStream";

export type Connection = "connecting" | "open" | "reconnecting" | "closed";
const MAX_BACKOFF_MS = 10_000;

function socketUrl(jobId: string, lastEventId: number): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/ws/jobs/${jobId}?last_event_id=${lastEventId}`;
}

export function useJobStream(jobId: string): StreamState & { connection: Connection } {
  const [state, dispatch] = useReducer(reduceStream, initialStream);
  const [connection, setConnection] = useState<Connection>("connecting");
  const cursor = useRef(0);
  const finished = useRef(false);

  useEffect(() => {
    cursor.current = state.lastEventId;
    finished.current = isFinished(state.job?.status);
  }, [state.lastEventId, state.job?.status]);

  useEffect(() => {
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

  return { ...state, connection };
}
