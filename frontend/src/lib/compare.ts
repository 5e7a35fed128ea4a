/** Comparing model versions: which metric values are best, which params differ. */

const LOWER_IS_BETTER = /(loss|error|rmse|mse|mae|mape|seconds|time|size)/i;

/** True when a smaller value of `metric` is better (losses and errors). */
export function lowerIsBetter(metric: string): boolean {
  return LOWER_IS_BETTER.test(metric);
}

/** The best of `values` for `metric` (undefined when none is a number). */
export function bestValue(metric: string, values: unknown[]): number | undefined {
  const numbers = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  if (!numbers.length) return undefined;
  return lowerIsBetter(metric) ? Math.min(...numbers) : Math.max(...numbers);
}

/** Param names whose values are not the same in every model (a missing value counts as different). */
export function differingParams(params: Record<string, unknown>[]): string[] {
  const names = [...new Set(params.flatMap((p) => Object.keys(p)))].sort();
  return names.filter((name) => new Set(params.map((p) => JSON.stringify(p[name] ?? null))).size > 1);
}
