/** Normalise the dataset endpoints' column profile and preview into what the page draws. */
export interface ColumnProfile {
  name: string;
  dtype: string;
  kind: string;
  missing: number | null;
  unique: number | null;
  stats: [string, number | string][];
  histogram: { labels: string[]; counts: number[] } | null;
  top: { value: string; count: number }[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const STAT_KEYS = ["mean", "std", "min", "p25", "25%", "median", "50%", "p75", "75%", "max", "min_length", "mean_length", "max_length"];

function shortNumber(v: number): string {
  return Math.abs(v) >= 1000 || Number.isInteger(v) ? String(Math.round(v * 100) / 100) : v.toPrecision(3);
}

function histogramOf(raw: unknown): ColumnProfile["histogram"] {
  if (isObj(raw)) {
    const counts = Array.isArray(raw.counts) ? raw.counts.map(Number) : null;
    const edges = (raw.edges ?? raw.bins ?? raw.bin_edges) as unknown;
    if (!counts) return null;
    const e = Array.isArray(edges) ? edges.map(Number) : [];
    const labels = counts.map((_, i) =>
      e.length === counts.length + 1 ? `${shortNumber(e[i])}–${shortNumber(e[i + 1])}` : e.length === counts.length ? shortNumber(e[i]) : String(i + 1),
    );
    return { labels, counts };
  }
  if (Array.isArray(raw) && raw.every(isObj)) {
    const labels = raw.map((b) => (b.label !== undefined ? String(b.label) : `${shortNumber(Number(b.start ?? b.left))}–${shortNumber(Number(b.end ?? b.right))}`));
    return { labels, counts: raw.map((b) => Number(b.count)) };
  }
  return null;
}

function topOf(raw: unknown): ColumnProfile["top"] {
  if (Array.isArray(raw)) {
    return raw.map((item) =>
      Array.isArray(item) ? { value: String(item[0]), count: Number(item[1]) } : { value: String((item as Obj).value), count: Number((item as Obj).count) },
    );
  }
  if (isObj(raw)) return Object.entries(raw).map(([value, count]) => ({ value, count: Number(count) }));
  return [];
}

function columnOf(name: string, raw: Obj): ColumnProfile {
  const statsSource = isObj(raw.stats) ? { ...raw, ...raw.stats } : raw;
  const stats: ColumnProfile["stats"] = [];
  for (const key of STAT_KEYS) {
    const v = statsSource[key];
    if (typeof v === "number") stats.push([key, shortNumber(v)]);
  }
  if (isObj(raw.length)) {
    for (const [key, v] of Object.entries(raw.length)) {
      if (typeof v === "number") stats.push([`len ${key}`, shortNumber(v)]);
    }
  }
  return {
    name,
    dtype: String(raw.dtype ?? raw.type ?? ""),
    kind: String(raw.inferred_type ?? raw.kind ?? ""),
    missing: num(raw.missing ?? raw.null_count ?? raw.missing_count),
    unique: num(raw.unique ?? raw.distinct ?? raw.unique_count ?? raw.n_unique),
    stats,
    histogram: histogramOf(raw.histogram),
    top: topOf(raw.top_values ?? raw.top ?? raw.value_counts),
  };
}

/** Column profiles from `{columns: [...]}` or `{columns: {name: {...}}}` (or the bare list/map). */
export function normalizeProfile(profile: unknown): ColumnProfile[] {
  const source = isObj(profile) && "columns" in profile ? profile.columns : profile;
  if (Array.isArray(source)) return source.filter(isObj).map((c) => columnOf(String(c.name), c));
  if (isObj(source)) return Object.entries(source).filter(([, v]) => isObj(v)).map(([k, v]) => columnOf(k, v as Obj));
  return [];
}

export interface PreviewPage {
  columns: string[];
  rows: Record<string, unknown>[];
  total: number;
}

/** A preview page from `{columns, rows: [[...]] | [{...}], total}`. */
export function normalizePreview(raw: unknown, fallbackColumns: string[]): PreviewPage {
  const body = isObj(raw) ? raw : {};
  const rawRows = (Array.isArray(raw) ? raw : (body.rows ?? body.items ?? [])) as unknown[];
  const cols = Array.isArray(body.columns)
    ? body.columns.map((c) => (isObj(c) ? String(c.name) : String(c)))
    : fallbackColumns;
  const rows = rawRows.map((row) => {
    if (Array.isArray(row)) return Object.fromEntries(cols.map((c, i) => [c, row[i]]));
    return isObj(row) ? row : {};
  });
  const columns = cols.length ? cols : Object.keys(rows[0] ?? {});
  const total = num(body.total ?? body.row_count) ?? rows.length;
  return { columns, rows, total };
}
