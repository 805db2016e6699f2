/**
 * Bundles the console as production does (Bun.build on index.html, minified) and checks the
 * JavaScript a browser downloads against its budget. Prints every asset's raw and gzipped
 * size; exits 1 when the gzipped JavaScript is over budget.
 *
 *   bun console/build.ts
 */
import { basename, join } from "node:path";

/** What a first visit may cost in JavaScript, gzipped. */
export const JS_BUDGET_BYTES = 150 * 1024;

export interface AssetSize {
  path: string;
  /** The media type, e.g. `text/javascript;charset=utf-8`. */
  type: string;
  raw: number;
  gzipped: number;
}

export async function bundleConsole(): Promise<AssetSize[]> {
  const result = await Bun.build({
    entrypoints: [join(import.meta.dir, "index.html")],
    minify: true,
    target: "browser",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  if (!result.success) throw new AggregateError(result.logs, "the console failed to bundle");
  return Promise.all(
    result.outputs.map(async (output) => {
      const bytes = new Uint8Array(await output.arrayBuffer());
      return {
        path: basename(output.path),
        type: output.type,
        raw: bytes.byteLength,
        gzipped: Bun.gzipSync(bytes, { level: 9 }).byteLength,
      };
    }),
  );
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** The size table and the budget line; `ok` is false when the JavaScript is over budget. */
export function budgetReport(assets: AssetSize[], budget = JS_BUDGET_BYTES) {
  const javascript = assets
    .filter((asset) => asset.type.startsWith("text/javascript"))
    .reduce((sum, asset) => sum + asset.gzipped, 0);
  const width = Math.max(...assets.map((asset) => asset.path.length), 5);
  const lines = [
    `${"asset".padEnd(width)}  ${"raw".padStart(10)}  ${"gzipped".padStart(10)}`,
    ...assets.map(
      (asset) =>
        `${asset.path.padEnd(width)}  ${kib(asset.raw).padStart(10)}  ${kib(asset.gzipped).padStart(10)}`,
    ),
    "",
    `JavaScript, gzipped: ${kib(javascript)} of a ${kib(budget)} budget (${Math.round((javascript / budget) * 100)} %)`,
  ];
  return { ok: javascript <= budget, javascript, text: lines.join("\n") };
}

if (import.meta.main) {
  const report = budgetReport(await bundleConsole());
  console.log(report.text);
  if (!report.ok) {
    console.error("The console's JavaScript is over budget.");
    process.exit(1);
  }
}
