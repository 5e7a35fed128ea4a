/** The signed-in session's tokens, kept in localStorage and observable by React. */
export interface Tokens {
  access: string;
  refresh: string;
}

const KEY = "tp.tokens";
const listeners = new Set<() => void>();
let current: Tokens | null = read();

function read(): Tokens | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

export const tokenStore = {
  get(): Tokens | null {
    return current;
  },
  set(tokens: Tokens | null): void {
    current = tokens;
    if (tokens) localStorage.setItem(KEY, JSON.stringify(tokens));
    else localStorage.removeItem(KEY);
    listeners.forEach((fn) => fn());
  },
  subscribe(fn: () => void): () => void {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};
