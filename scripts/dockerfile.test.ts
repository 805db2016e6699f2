/**
 * Static checks of Dockerfile.bun and .dockerignore (there is no Docker engine in CI). The
 * checker is itself tested on broken variants, so each rule is known to catch what it names.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { REPO_ROOT, SERVICES } from "./build.ts";

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  from: string;
  platform?: string;
  name?: string;
  instructions: Instruction[];
}

/** Joins continuation lines, drops comments, and groups the instructions by stage. */
function parseDockerfile(text: string): { globalArgs: Instruction[]; stages: Stage[] } {
  const logical = text
    .split("\n")
    .filter((line) => !line.trimStart().startsWith("#"))
    .join("\n")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args };
    if (instruction.keyword === "FROM") {
      const platform = /--platform=(\S+)/.exec(args)?.[1];
      const [from = "", , name] = args.replace(/--platform=\S+\s*/, "").split(/\s+/);
      stages.push({ from, platform, name, instructions: [] });
    } else if (stages.length === 0) {
      globalArgs.push(instruction);
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

const substitute = (text: string, values: Record<string, string>) =>
  text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced, bare) => values[braced ?? bare] ?? whole);

/** The final image for one service: its base image and every instruction inherited on the way. */
function finalImage(stages: Stage[], service: string) {
  const instructions: Instruction[] = [];
  let stage = stages.at(-1);
  let base = "";
  while (stage !== undefined) {
    instructions.unshift(...stage.instructions);
    base = substitute(stage.from, { SERVICE: service });
    stage = stages.find((candidate) => candidate.name === base);
  }
  return { base, instructions };
}

const NO_SHELL_BASE = /^gcr\.io\/distroless\/[\w.-]+(:[\w.-]+)?(@sha256:[0-9a-f]+)?$/;
const SHELL_BASES = /alpine|busybox|ubuntu|:debug|^debian|^oven\/bun/;

/** What is wrong with a Dockerfile, one sentence per problem (empty when it is right). */
function checkDockerfile(text: string): string[] {
  const problems: string[] = [];
  const { globalArgs, stages } = parseDockerfile(text);
  const build = stages.find((stage) =>
    stage.instructions.some((i) => i.keyword === "RUN" && i.args.includes("scripts/build.ts")),
  );
  if (build === undefined) return ["no stage runs scripts/build.ts"];

  if (!/^\$\{?BUILDPLATFORM\}?$/.test(build.platform ?? ""))
    problems.push("the build stage does not run on --platform=$BUILDPLATFORM");
  const compileStep = build.instructions.find(
    (i) => i.keyword === "RUN" && i.args.includes("scripts/build.ts"),
  );
  const declaresTargetArch = build.instructions.some(
    (i) => i.keyword === "ARG" && i.args === "TARGETARCH",
  );
  const mapsArches =
    /amd64\)\s*arch=x64/.test(compileStep?.args ?? "") &&
    /arm64\)\s*arch=arm64/.test(compileStep?.args ?? "");
  if (
    !declaresTargetArch ||
    !mapsArches ||
    !/--arch\s+"?\$\{?arch\}?/.test(compileStep?.args ?? "")
  )
    problems.push(
      "the build stage does not cross-compile for $TARGETARCH with scripts/build.ts --arch",
    );
  if (
    !build.instructions.some(
      (i) => i.keyword === "RUN" && i.args.includes("bun install --frozen-lockfile"),
    )
  )
    problems.push("the build stage does not install with --frozen-lockfile");
  if (
    ![...globalArgs, ...build.instructions].some(
      (i) => i.keyword === "ARG" && i.args.startsWith("SERVICE"),
    )
  )
    problems.push("SERVICE is not a build argument");

  for (const service of SERVICES) {
    const { base, instructions } = finalImage(stages, service);
    const of = (keyword: string) =>
      instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
    if (!NO_SHELL_BASE.test(base) || SHELL_BASES.test(base))
      problems.push(
        `${service}: the final image is ${base}, not a distroless image without a shell`,
      );
    if (of("RUN").length > 0)
      problems.push(`${service}: the final image runs commands (it has no shell)`);

    const user = of("USER").at(-1) ?? "";
    const [uid = "", gid = uid] = user.split(":");
    if (!/^\d+$/.test(uid) || Number(uid) === 0 || !/^\d+$/.test(gid) || Number(gid) === 0)
      problems.push(`${service}: USER "${user}" is not a numeric non-root user`);

    const entrypoint = of("ENTRYPOINT").at(-1) ?? "";
    const copied = of("COPY")
      .find((args) => args.startsWith(`--from=${build.name}`))
      ?.split(/\s+/)
      .at(-1);
    let argv: unknown;
    try {
      argv = JSON.parse(entrypoint);
    } catch {
      argv = undefined;
    }
    if (!Array.isArray(argv) || argv[0] !== copied)
      problems.push(`${service}: ENTRYPOINT is not the copied binary in exec form`);

    // The executable's default port comes from the topology and the charts set PORT:
    // a port written here would be a second, drifting copy.
    if (of("EXPOSE").length > 0 || of("ENV").some((args) => /^PORT[= ]/.test(args)))
      problems.push(`${service}: the image fixes a port`);
  }
  return problems;
}

/** Whether Docker leaves `path` out of the context: the last matching pattern decides. */
function dockerIgnores(dockerignore: string, path: string): boolean {
  const patterns = dockerignore
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const parts = path.split("/");
  const prefixes = parts.map((_, index) => parts.slice(0, index + 1).join("/"));
  let ignored = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith("!");
    const glob = new Bun.Glob(pattern.replace(/^!/, "").replace(/\/$/, ""));
    // A pattern that matches a directory covers everything inside it.
    if (prefixes.some((prefix) => glob.match(prefix))) ignored = !negated;
  }
  return ignored;
}

const dockerfile = await Bun.file(join(REPO_ROOT, "Dockerfile.bun")).text();
const dockerignore = await Bun.file(join(REPO_ROOT, ".dockerignore")).text();

describe("Dockerfile.bun", () => {
  test("passes every check for every service", () => {
    expect(checkDockerfile(dockerfile)).toEqual([]);
  });
});

describe("the Dockerfile checker", () => {
  const broken = (from: string | RegExp, to: string) => {
    const variant = dockerfile.replace(from, to);
    expect(variant).not.toBe(dockerfile);
    return checkDockerfile(variant).join("\n");
  };

  test("catches a build stage on the target platform (emulated)", () => {
    expect(broken("--platform=$BUILDPLATFORM ", "")).toContain("--platform=$BUILDPLATFORM");
    expect(broken("--platform=$BUILDPLATFORM", "--platform=$TARGETPLATFORM")).toContain(
      "$BUILDPLATFORM",
    );
  });

  test("catches a build that ignores TARGETARCH", () => {
    expect(broken('--arch "$arch"', "")).toContain("cross-compile");
    expect(broken("ARG TARGETARCH\n", "")).toContain("cross-compile");
    expect(broken("amd64) arch=x64", "amd64) arch=amd64")).toContain("cross-compile");
  });

  test("catches an install that may change the lockfile", () => {
    expect(broken(" --frozen-lockfile", "")).toContain("--frozen-lockfile");
  });

  test("catches a final image with a shell", () => {
    for (const base of [
      "alpine:3.20",
      "debian:12-slim",
      "busybox",
      "gcr.io/distroless/base-debian12:debug",
      "oven/bun:1.4.5",
    ]) {
      expect(broken(/gcr\.io\/distroless\/[^\s]+ AS runtime/, `${base} AS runtime`)).toContain(
        "without a shell",
      );
    }
  });

  test("catches a final image that runs commands", () => {
    expect(broken("USER 65532:65532", "RUN chmod +x /service\nUSER 65532:65532")).toContain(
      "runs commands",
    );
  });

  test("catches root or named users", () => {
    expect(broken("USER 65532:65532", "USER 0")).toContain("non-root");
    expect(broken("USER 65532:65532", "USER root")).toContain("non-root");
    expect(broken("USER 65532:65532", "USER nonroot")).toContain("non-root");
    expect(broken("USER 65532:65532", "USER 65532:0")).toContain("non-root");
    expect(broken("USER 65532:65532\n", "")).toContain("non-root");
  });

  test("catches an entrypoint in shell form or pointing elsewhere", () => {
    expect(broken('ENTRYPOINT ["/service"]', "ENTRYPOINT /service")).toContain("exec form");
    expect(broken('ENTRYPOINT ["/service"]', 'ENTRYPOINT ["/bin/sh", "-c", "/service"]')).toContain(
      "exec form",
    );
  });

  test("catches a port fixed in the image", () => {
    expect(broken("USER 65532:65532", "EXPOSE 8080\nUSER 65532:65532")).toContain(
      "evaluation: the image fixes a port",
    );
    expect(broken("USER 65532:65532", "ENV PORT=8080\nUSER 65532:65532")).toContain(
      "flag: the image fixes a port",
    );
  });

  test("catches a build without the SERVICE argument", () => {
    expect(broken("ARG SERVICE\n", "")).toContain("SERVICE is not a build argument");
  });
});

describe(".dockerignore", () => {
  test.each([
    "node_modules/elysia/package.json",
    "services/shared/node_modules/pg/index.js",
    ".git/HEAD",
    "dist/auth-linux-x64",
    "charts/evaluation/values.yaml",
    "cdk/bin/app.ts",
    "k6/smoke.js",
    "kind/cluster.yaml",
    "tests/e2e.test.ts",
    "services/auth/app.test.ts",
    "scripts/dev.ts",
  ])("leaves out %s", (path) => {
    expect(dockerIgnores(dockerignore, path)).toBe(true);
  });

  test.each([
    "package.json",
    "bun.lock",
    "bunfig.toml",
    "scripts/build.ts",
    "services/shared/package.json",
    "services/auth/main.ts",
    "services/auth/migrations/001_api_keys.sql",
  ])("sends %s", (path) => {
    expect(dockerIgnores(dockerignore, path)).toBe(false);
  });

  test("the matcher sees a missing exclusion", () => {
    expect(dockerIgnores("*\n!services/\n", "services/shared/node_modules/pg/index.js")).toBe(
      false,
    );
    expect(dockerIgnores("node_modules\n", ".git/HEAD")).toBe(false);
  });
});
