/** Dataset status: large uploads are converted in the background (processing → ready | failed). */
import type { Dataset } from "../api/domain";

/** How often a page refetches while one of its datasets is still being converted. */
export const DATASET_POLL_MS = 2000;

/** True once the dataset can be previewed, profiled, validated and trained on. */
export function isReady(dataset: Pick<Dataset, "status">): boolean {
  return dataset.status === "ready";
}

/** A refetchInterval: poll while any of these datasets is processing, stop otherwise. */
export function pollWhileProcessing(datasets: Pick<Dataset, "status">[] | undefined): number | false {
  return datasets?.some((d) => d.status === "processing") ? DATASET_POLL_MS : false;
}
