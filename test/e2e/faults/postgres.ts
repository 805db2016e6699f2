/**
 * A throwaway PostgreSQL cluster (initdb in a temporary directory, its own port), so a
 * test can stop and start the database the services use without touching the shared one.
 * initdb and pg_ctl refuse to run as root; as root they run as the `postgres` user.
 */
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "../../../scripts/runtimes.ts";
import { runCommand } from "./support.ts";

export interface PostgresCluster {
  /** Creates a database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown: sessions are cut, as in a failover or a restart for maintenance. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server whatever its state and deletes the cluster. */
  destroy(): Promise<void>;
}

const OWNER = "postgres";

export async function createPostgresCluster(): Promise<PostgresCluster> {
  const bin = postgresBinaries();
  const root = await mkdtemp(join(tmpdir(), "tm-fault-pg-"));
  const dataDir = join(root, "data");
  const logFile = join(root, "server.log");
  const port = freePort();
  const asOwner = process.getuid?.() === 0 ? ["runuser", "-u", OWNER, "--"] : [];
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;

  const pgCtl = async (...args: string[]) => {
    try {
      await runCommand([...asOwner, join(bin, "pg_ctl"), "-D", dataDir, "-l", logFile, ...args]);
    } catch (error) {
      const log = await readFile(logFile, "utf8").catch(() => "");
      throw new Error(`${(error as Error).message}\nserver log:\n${log}`);
    }
  };

  const cluster: PostgresCluster = {
    async createDatabase(name) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop: () => pgCtl("-m", "fast", "-w", "stop"),
    start: () =>
      pgCtl(
        "-w",
        "-o",
        `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`,
        "start",
      ),
    async destroy() {
      if (existsSync(join(dataDir, "postmaster.pid")))
        await pgCtl("-m", "immediate", "-w", "stop").catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };

  try {
    if (asOwner.length > 0) {
      const { uid, gid } = await ownerIds();
      await chown(root, uid, gid);
    }
    await runCommand([
      ...asOwner,
      join(bin, "initdb"),
      "-D",
      dataDir,
      "-A",
      "trust",
      "-U",
      "postgres",
      "-E",
      "UTF8",
      "--no-sync",
    ]);
    await cluster.start();
  } catch (error) {
    await cluster.destroy();
    throw error;
  }
  return cluster;
}

/** The newest installed server's binaries (Debian keeps them out of PATH). */
function postgresBinaries(): string {
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((version) => existsSync(join(base, version, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined) throw new Error(`no PostgreSQL server binaries under ${base}`);
  return join(base, newest, "bin");
}

/** initdb refuses root, so as root the cluster belongs to the `postgres` user. */
async function ownerIds(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) => Number((await runCommand(["id", flag, OWNER])).trim());
  const [uid, gid] = await Promise.all([id("-u"), id("-g")]);
  return { uid, gid };
}
