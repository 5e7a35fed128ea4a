/** The task-type registry (`GET /api/v1/task-types`), fetched once and shared by every page. */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "../api/client";
import type { TaskTypeInfo } from "../api/domain";

export function useTaskTypes() {
  return useQuery({
    queryKey: ["task-types"],
    staleTime: Infinity,
    queryFn: async () => (await unwrap(api.GET("/api/v1/task-types"))) as TaskTypeInfo[],
  });
}
