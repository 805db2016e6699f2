import type { Queryable } from "./db.ts";

/**
 * A table of records addressed by a unique name (flags, targeting rules, segments): the SQL
 * both data services share. Identifiers come from code, never from requests; values are
 * always bound parameters. It runs on whatever it is given, the pool or the client of a
 * transaction, so a change and its audit entry can share one transaction.
 */
export interface RecordTableSpec<Fields> {
  table: string;
  key: string;
  columns: readonly (keyof Fields & string)[];
  /**
   * Columns stored as jsonb, serialised explicitly so arrays stay JSON arrays; null is SQL
   * NULL, not the JSON null.
   */
  jsonColumns?: readonly (keyof Fields & string)[];
}

export type StoredRecord<Fields> = Fields & { id: number; created_at: string; updated_at: string };

type Row = Record<string, unknown> & { created_at: Date; updated_at: Date };

const withIsoTimes = <R>(row: Row): R =>
  ({
    ...row,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }) as R;

export function recordTable<Fields extends Record<string, unknown>>(
  db: Queryable,
  { table, key, columns, jsonColumns = [] }: RecordTableSpec<Fields>,
) {
  type Stored = StoredRecord<Fields>;
  const stored = ["id", key, ...columns, "created_at", "updated_at"];
  const returning = `RETURNING ${stored.join(", ")}`;
  const select = `SELECT ${stored.join(", ")} FROM ${table}`;
  const param = (column: string, value: unknown) =>
    jsonColumns.includes(column as keyof Fields & string) && value !== null
      ? JSON.stringify(value)
      : value;
  const one = (rows: Row[]) => rows[0] && withIsoTimes<Stored>(rows[0]);
  const all = (rows: Row[]) => rows.map((row) => withIsoTimes<Stored>(row));
  const byName = (rows: Row[]) =>
    new Map(rows.map((row) => [row[key] as string, withIsoTimes<Stored>(row)]));
  const given = `jsonb_populate_recordset(NULL::${table}, $1::jsonb) AS given`;
  /**
   * Runs `sql`, which reads `given`: the records as one bound value, a JSON array that
   * PostgreSQL reads back as rows of the table's own type, so a statement of any size binds
   * one parameter and every column keeps its type (JSON null is SQL NULL). The rows it
   * returns come back in the order of `records` (RETURNING promises none).
   */
  async function withGiven(sql: string, records: readonly Fields[]): Promise<Stored[]> {
    if (records.length === 0) return [];
    const bound = records.map((record) =>
      Object.fromEntries([key, ...columns].map((column) => [column, record[column]])),
    );
    const { rows } = await db.query<Row>(sql, [JSON.stringify(bound)]);
    const returned = byName(rows);
    return records.map((record) => returned.get(record[key] as string) as Stored);
  }

  return {
    async list(): Promise<Stored[]> {
      const { rows } = await db.query<Row>(`${select} ORDER BY ${key}`);
      return all(rows);
    },

    async get(name: string): Promise<Stored | undefined> {
      const { rows } = await db.query<Row>(`${select} WHERE ${key} = $1`, [name]);
      return one(rows);
    },

    /** Reads a record and locks it until the transaction ends (inside one, on its client). */
    async lock(name: string): Promise<Stored | undefined> {
      const { rows } = await db.query<Row>(`${select} WHERE ${key} = $1 FOR UPDATE`, [name]);
      return one(rows);
    },

    /**
     * The records of `names` that exist, locked until the transaction ends. Rows are locked in
     * name order, so two transactions locking overlapping sets cannot deadlock.
     */
    async lockAll(names: readonly string[]): Promise<Map<string, Stored>> {
      const { rows } = await db.query<Row>(
        `${select} WHERE ${key} = ANY($1::text[]) ORDER BY ${key} FOR UPDATE`,
        [names],
      );
      return byName(rows);
    },

    /** Inserts records in one statement; unique_violation as `insert`. */
    insertAll(records: readonly Fields[]): Promise<Stored[]> {
      const names = [key, ...columns].join(", ");
      return withGiven(
        `INSERT INTO ${table} (${names}) SELECT ${names} FROM ${given} ${returning}`,
        records,
      );
    },

    /** Sets every column of each named record to the values given, in one statement. */
    replaceAll(records: readonly Fields[]): Promise<Stored[]> {
      const assignments = columns.map((column) => `${column} = given.${column}`).join(", ");
      const qualified = stored.map((column) => `${table}.${column}`).join(", ");
      return withGiven(
        `UPDATE ${table} SET ${assignments} FROM ${given}
         WHERE ${table}.${key} = given.${key} RETURNING ${qualified}`,
        records,
      );
    },

    /** Deletes the records of `names` in one statement; those that existed, as they were. */
    async removeAll(names: readonly string[]): Promise<Stored[]> {
      if (names.length === 0) return [];
      const { rows } = await db.query<Row>(
        `DELETE FROM ${table} WHERE ${key} = ANY($1::text[]) ${returning}`,
        [names],
      );
      return all(rows);
    },

    /** Inserts a record; throws PostgreSQL's unique_violation when the name is taken. */
    async insert(values: Fields): Promise<Stored> {
      const names = [key, ...columns];
      const placeholders = names.map((_, index) => `$${index + 1}`).join(", ");
      const { rows } = await db.query<Row>(
        `INSERT INTO ${table} (${names.join(", ")}) VALUES (${placeholders}) ${returning}`,
        names.map((column) => param(column, values[column])),
      );
      return withIsoTimes<Stored>(rows[0] as Row);
    },

    /** Applies the fields present in `patch`; undefined when no record has that name. */
    async update(name: string, patch: Partial<Fields>): Promise<Stored | undefined> {
      const changed = columns.filter((column) => patch[column] !== undefined);
      const assignments = changed.map((column, index) => `${column} = $${index + 2}`);
      const { rows } = await db.query<Row>(
        `UPDATE ${table} SET ${assignments.join(", ")} WHERE ${key} = $1 ${returning}`,
        [name, ...changed.map((column) => param(column, patch[column]))],
      );
      return one(rows);
    },

    /** Deletes a record; the record as it was, or undefined when no record has that name. */
    async remove(name: string): Promise<Stored | undefined> {
      const { rows } = await db.query<Row>(`DELETE FROM ${table} WHERE ${key} = $1 ${returning}`, [
        name,
      ]);
      return one(rows);
    },
  };
}

export type RecordTable<Fields extends Record<string, unknown>> = ReturnType<
  typeof recordTable<Fields>
>;
