import { describe, expect, it } from "vitest";
import { normalizePreview, normalizeProfile } from "./profile";

describe("normalizeProfile", () => {
  it("reads the datasets API profile (stats, length stats, top values)", () => {
    const profile = {
      dataset_id: "d",
      row_count: 3,
      columns: [
        { name: "age", dtype: "int64", inferred_type: "numeric", missing: 0, unique: 3, min: 1, max: 9, mean: 5, std: 4, top_values: [{ value: 1, count: 1 }] },
        { name: "城市", dtype: "string", inferred_type: "categorical", missing: 1, unique: 2, length: { min: 2, max: 3, mean: 2.5 }, top_values: [{ value: "北京", count: 2 }] },
      ],
    };
    const [age, city] = normalizeProfile(profile);
    expect(age).toMatchObject({ name: "age", dtype: "int64", missing: 0, unique: 3 });
    expect(age.stats).toEqual(expect.arrayContaining([["mean", "5"], ["max", "9"]]));
    expect(city.top).toEqual([{ value: "北京", count: 2 }]);
    expect(city.stats).toEqual(expect.arrayContaining([["len mean", "2.50"]]));
    expect(city.histogram).toBeNull();
  });

  it("accepts histograms given as counts and edges", () => {
    const [col] = normalizeProfile({ columns: { x: { dtype: "float", histogram: { counts: [1, 2], edges: [0, 0.5, 1] } } } });
    expect(col.histogram).toEqual({ labels: ["0–0.500", "0.500–1"], counts: [1, 2] });
  });
});

describe("normalizePreview", () => {
  it("keeps object rows and the total", () => {
    const page = normalizePreview({ offset: 0, limit: 2, total: 10, columns: ["a", "b"], rows: [{ a: 1, b: "x" }] }, []);
    expect(page).toEqual({ columns: ["a", "b"], rows: [{ a: 1, b: "x" }], total: 10 });
  });

  it("turns array rows into objects by column", () => {
    expect(normalizePreview({ columns: ["a"], rows: [[5]] }, []).rows).toEqual([{ a: 5 }]);
  });
});
