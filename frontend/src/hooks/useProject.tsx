/** The project the console works in: chosen in the header, remembered in localStorage. */
import { useQuery } from "@tanstack/react-query";
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";
import { api, unwrap } from "../api/client";
import type { Project } from "../api/types";

const KEY = "tp.project";

interface ProjectState {
  projects: Project[];
  project: Project | null;
  loading: boolean;
  select: (id: string) => void;
}

const ProjectContext = createContext<ProjectState>({
  projects: [],
  project: null,
  loading: true,
  select: () => undefined,
});

export function ProjectProvider({ children }: { children: ReactNode }) {
  const [selected, setSelected] = useState<string | null>(() => localStorage.getItem(KEY));
  const query = useQuery({
    queryKey: ["projects"],
    queryFn: () => unwrap(api.GET("/api/v1/projects", { params: { query: { limit: 500 } } })),
  });
  const value = useMemo<ProjectState>(() => {
    const projects = query.data?.items ?? [];
    const project = projects.find((p) => p.id === selected) ?? projects[0] ?? null;
    return {
      projects,
      project,
      loading: query.isLoading,
      select: (id: string) => {
        localStorage.setItem(KEY, id);
        setSelected(id);
      },
    };
  }, [query.data, query.isLoading, selected]);
  return <ProjectContext.Provider value={value}>{children}</ProjectContext.Provider>;
}

export function useProject(): ProjectState {
  return useContext(ProjectContext);
}
