import { expect, test } from "bun:test";
import { configurationTable, readmeWithTable } from "./config-docs.ts";

test("README.md's configuration table is the one the settings declare", async () => {
  const { current, generated } = await readmeWithTable();
  expect(current).toBe(generated);
});

test("every setting has a description and one row", () => {
  const rows = configurationTable().split("\n").slice(2);
  const names = rows.map((row) => row.split("|")[1]?.trim());
  expect(new Set(names).size).toBe(names.length);
  for (const row of rows) expect(row.split("|")[4]?.trim()).not.toBe("");
  expect(names).toEqual(
    expect.arrayContaining(["`PORT`", "`LOG_LEVEL`", "`EVENT_BUFFER_CAPACITY`"]),
  );
});
