/**
 * PostgreSQL for a laptop with none: PGlite (PostgreSQL compiled to WebAssembly) served
 * over the wire protocol by pglite-socket, so the services use `pg` unchanged.
 *
 * Creating a PGlite cluster runs initdb, which is slow; the first one is dumped as a
 * template and every other database starts from that copy. Data persists in `dataRoot`.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

async function template(dataRoot: string): Promise<Blob> {
  const path = join(dataRoot, "template.tar.gz");
  if (existsSync(path)) return new Blob([await readFile(path)]);
  const db = await PGlite.create();
  const dump = await db.dumpDataDir("gzip");
  await db.close();
  await writeFile(path, new Uint8Array(await dump.arrayBuffer()));
  return dump;
}

let templateOnce: Promise<Blob> | undefined;

export async function startEmbeddedPostgres(
  name: string,
  dataRoot: string,
): Promise<EmbeddedPostgres> {
  await mkdir(dataRoot, { recursive: true });
  const dataDir = join(dataRoot, name);
  const fresh = !existsSync(join(dataDir, "PG_VERSION"));
  if (fresh) templateOnce ??= template(dataRoot);
  const db = await PGlite.create({ dataDir, ...(fresh && { loadDataDir: await templateOnce }) });
  // pg pools open several connections; the server multiplexes them onto the one session.
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 32 });
  await server.start();
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
