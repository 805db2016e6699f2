/**
 * The console as a person reaches it: the real services (startStack), the gateway in front
 * of them as the ingress routes them, flag-service serving the console page at "/", and a
 * headless Chromium driven by playwright-core.
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { startGateway } from "../../scripts/gateway.ts";
import { SERVICE_NAMES, type ServiceName } from "../../services/shared/topology.ts";
import { startStack } from "../support/stack.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** The platform behind one origin, as the ingress serves it: flag-service answers "/" with the console. */
export async function startConsole() {
  const stack = await startStack();
  const upstreams = Object.fromEntries(
    SERVICE_NAMES.map((name) => [name, stack.url(name)]),
  ) as Record<ServiceName, string>;
  const gateway = startGateway({ upstreams });
  return {
    stack,
    url: gateway.url,
    async stop() {
      await gateway.stop();
      await stack.stop();
    },
  };
}

/** A fresh headless Chromium; playwright gives each launch a new temporary profile. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Polls `check` until it returns something other than undefined or `timeoutMs` passes. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 250, what = "the condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await Bun.sleep(intervalMs);
  }
}

const AXE_SOURCE = await Bun.file(require.resolve("axe-core/axe.min.js")).text();

export interface AxeCounts {
  critical: number;
  serious: number;
  moderate: number;
  minor: number;
  /** One line per violation, for the failure message. */
  details: string[];
}

/** Runs axe-core on the page as it is now and prints the violations by impact. */
export async function axe(page: Page, name: string): Promise<AxeCounts> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run();
    return (
      result.violations as {
        id: string;
        impact: string;
        help: string;
        nodes: { target: unknown }[];
      }[]
    ).map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      targets: nodes.map((node) => JSON.stringify(node.target)),
    }));
  });
  const counts: AxeCounts = { critical: 0, serious: 0, moderate: 0, minor: 0, details: [] };
  for (const violation of violations) {
    const impact = violation.impact as keyof Omit<AxeCounts, "details">;
    if (impact in counts) counts[impact]++;
    counts.details.push(
      `${violation.impact} ${violation.id}: ${violation.help} ${violation.targets.join(" ")}`,
    );
  }
  console.log(
    `axe ${name}: ${counts.critical} critical, ${counts.serious} serious, ${counts.moderate} moderate, ${counts.minor} minor`,
  );
  return counts;
}

/**
 * Screenshots for the README go to docs/screenshots when UPDATE_SCREENSHOTS is set, and to a
 * temporary folder otherwise, so an ordinary test run leaves the work tree as it was.
 */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS
  ? join(import.meta.dir, "..", "..", "docs", "screenshots")
  : mkdtempSync(join(tmpdir(), "console-screenshots-"));
mkdirSync(SCREENSHOTS, { recursive: true });

interface ScreenshotOptions {
  fullPage?: boolean;
  /** Selectors of what to cover, so no key is ever in a picture. */
  secrets?: string[];
  /** Only this part of the page. */
  part?: Locator;
}

/** Saves a screenshot of the page, or of a part of it. */
export async function screenshot(
  page: Page,
  name: string,
  { fullPage = true, secrets = [], part }: ScreenshotOptions = {},
) {
  const path = join(SCREENSHOTS, `${name}.png`);
  const options = {
    path,
    animations: "disabled" as const,
    caret: "hide" as const,
    mask: secrets.map((selector) => page.locator(selector)),
  };
  if (part === undefined) await page.screenshot({ ...options, fullPage });
  else await part.screenshot(options);
  return path;
}
