/** The review page's keyboard: A accept, 1–9 a label (classify), E edit, S skip, ←/→ move. */

export type ReviewKeyAction =
  | { type: "accept" }
  | { type: "label"; label: string }
  | { type: "edit" }
  | { type: "skip" }
  | { type: "prev" }
  | { type: "next" };

interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
  target?: EventTarget | null;
}

/** Whether the key goes to a field being typed in (then the page ignores it). */
function typing(target: EventTarget | null | undefined): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}

/** The action a key press asks for, or null; `labels` are the classify task's labels in order. */
export function reviewKeyAction(event: KeyLike, labels: readonly string[]): ReviewKeyAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return null;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (key === "a") return { type: "accept" };
  if (key === "e") return { type: "edit" };
  if (key === "s") return { type: "skip" };
  if (key === "ArrowLeft") return { type: "prev" };
  if (key === "ArrowRight") return { type: "next" };
  if (/^[1-9]$/.test(key)) {
    const label = labels[Number(key) - 1];
    return label === undefined ? null : { type: "label", label };
  }
  return null;
}
