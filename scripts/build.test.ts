/**
 * The build's argument handling, and the binaries themselves: both architectures come out of
 * `dist/` (rebuilt only when older than the sources), the x64 one runs here, and the arm64
 * one runs under qemu user-mode emulation. TM_SKIP_BINARIES=1 skips the binary part.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, statSync, utimesSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "../test/support/testing.ts";
import {
  ARCHES,
  binaryPath,
  bytecodeOrderEntries,
  bytecodeOrderPath,
  compile,
  ensureBinaries,
  newestSourceTime,
  parseBuildArgs,
  SERVICES,
  staleTargets,
} from "./build.ts";
import { startCommand, startService } from "./runtimes.ts";

describe("parseBuildArgs", () => {
  test("no argument means every service for both architectures", () => {
    const targets = parseBuildArgs([]);
    expect(targets).toHaveLength(SERVICES.length * ARCHES.length);
    expect(targets).toContainEqual({ service: "analytics", arch: "arm64" });
  });

  test("named services, once each", () => {
    expect(parseBuildArgs(["flag", "auth", "flag"])).toEqual([
      { service: "flag", arch: "x64" },
      { service: "flag", arch: "arm64" },
      { service: "auth", arch: "x64" },
      { service: "auth", arch: "arm64" },
    ]);
  });

  test("--arch picks one architecture, in either spelling", () => {
    expect(parseBuildArgs(["targeting", "--arch", "arm64"])).toEqual([
      { service: "targeting", arch: "arm64" },
    ]);
    expect(parseBuildArgs(["--arch=x64", "evaluation"])).toEqual([
      { service: "evaluation", arch: "x64" },
    ]);
  });

  test("rejects unknown services and architectures", () => {
    expect(() => parseBuildArgs(["billing"])).toThrow(/unknown service or option "billing"/);
    expect(() => parseBuildArgs(["auth", "--arch", "amd64"])).toThrow(
      /--arch must be one of x64, arm64/,
    );
    expect(() => parseBuildArgs(["auth", "--arch"])).toThrow(/--arch must be one of/);
  });
});

const skipBinaries = process.env.TM_SKIP_BINARIES === "1";
if (skipBinaries) console.warn("TM_SKIP_BINARIES=1: not building or running the service binaries");

const targets = parseBuildArgs([]);

describe.skipIf(skipBinaries)("the binaries", () => {
  let database: TestDatabase;
  const authEnv = () => ({
    DATABASE_URL: database.url,
    MASTER_KEY: "binary-test-master-key-0123",
    JWT_SECRET: "binary-test-jwt-secret-0123456789abcdef",
  });

  beforeAll(async () => {
    database = await createTestDatabase("binaries");
  });
  afterAll(() => database?.drop());

  test("exist for both architectures and are up to date", async () => {
    const sourcesChanged = newestSourceTime();
    await ensureBinaries(targets);
    for (const { service, arch } of targets) {
      expect(statSync(binaryPath(service, arch)).mtimeMs).toBeGreaterThanOrEqual(sourcesChanged);
    }
  }, 180_000);

  test("are x86-64 and ARM aarch64 executables", async () => {
    for (const { service, arch } of targets) {
      const description = await Bun.$`file -b ${binaryPath(service, arch)}`.text();
      expect(description).toContain("ELF 64-bit");
      expect(description).toContain(arch === "x64" ? "x86-64" : "ARM aarch64");
    }
  });

  test("callers asking for the same binary at once share one build", async () => {
    const target = { service: "auth", arch: "x64" } as const;
    const [first, second] = [compile(target), compile(target)];
    expect(second).toBe(first);
    expect((await first).bytes).toBe(statSync(binaryPath("auth", "x64")).size);
  }, 60_000);

  test("a binary older than the sources is stale", () => {
    const path = binaryPath("auth", "x64");
    const { atime, mtime } = statSync(path);
    utimesSync(path, atime, new Date(0));
    try {
      expect(staleTargets([{ service: "auth", arch: "x64" }])).toEqual([
        { service: "auth", arch: "x64" },
      ]);
    } finally {
      utimesSync(path, atime, mtime);
    }
  });

  test("the x64 auth binary serves as the binary runtime and stops gracefully", async () => {
    const auth = await startService("auth", "binary", authEnv());
    expect((await fetch(`${auth.url}/health/ready`)).status).toBe(200);
    expect(await auth.stop()).toBe(0);
    expect(auth.output()).toContain('"message":"stopped"');
  });

  test("auth's recorded bytecode order still covers what its binary runs as it starts", async () => {
    const recorded = join(tmpdir(), `auth-${process.pid}.order`);
    const auth = await startService("auth", "binary", {
      ...authEnv(),
      BUN_BYTECODE_ORDER_OUT: recorded,
    });
    expect(await auth.stop()).toBe(0);
    const used = bytecodeOrderEntries(recorded);
    const profile = new Set(bytecodeOrderEntries(bytecodeOrderPath("auth")));
    rmSync(recorded);
    expect(used.length).toBeGreaterThan(1000);
    // Below this the profile is stale (new dependencies, say): `bun scripts/record-order.ts`.
    expect(used.filter((entry) => profile.has(entry)).length / used.length).toBeGreaterThan(0.9);
  });

  test("the arm64 auth binary serves under qemu", async () => {
    const auth = await startCommand(
      ["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu", binaryPath("auth", "arm64")],
      authEnv(),
      { readyPath: "/health", timeoutMs: 60_000 },
    );
    try {
      const health = await fetch(`${auth.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok" });
      expect((await fetch(`${auth.url}/health/ready`)).status).toBe(200);
    } finally {
      expect(await auth.stop()).toBe(0);
    }
  }, 90_000);
});
