/** The signed-in user (from the tokens and /users/me). */
import { useQuery } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { api, unwrap } from "../api/client";
import { tokenStore } from "../api/tokens";
import type { User } from "../api/types";

/** True while tokens are held. */
export function useSignedIn(): boolean {
  return useSyncExternalStore(tokenStore.subscribe, () => tokenStore.get() !== null);
}

/** The current user, loaded once signed in. */
export function useMe() {
  const signedIn = useSignedIn();
  return useQuery<User>({
    queryKey: ["me"],
    queryFn: () => unwrap(api.GET("/api/v1/users/me")),
    enabled: signedIn,
    staleTime: 60_000,
  });
}
