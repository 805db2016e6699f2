/**
 * Records the profile each executable's bytecode is laid out by: the five services run as
 * binaries against the real backends, start, serve a short workload of their main routes and
 * stop, and each writes the functions it used, in order, to `services/<service>/bytecode.order`.
 * scripts/build.ts places that bytecode together at the front of the executable, so a service
 * starts by reading a few contiguous pages instead of pages from all over its libraries.
 *
 *   bun run record:order
 *
 * Run it after changing dependencies. A profile recorded from older code still applies to
 * every function that has not changed; the rest are laid out by source order.
 */

import { relative } from "node:path";
import { SERVICE_NAMES, type ServiceName } from "@togglemaster/shared/topology";
import { type Stack, startStack } from "../test/support/stack.ts";
import {
  buildBinaries,
  bytecodeOrderEntries,
  bytecodeOrderPath,
  formatSizes,
  REPO_ROOT,
} from "./build.ts";

const EVALUATIONS = 200;

/** What a service does in production, briefly: keys, flags, rules, evaluations, counters. */
async function workload(stack: Stack) {
  const { key } = await stack.createKey("record-order");
  const call = async (service: ServiceName, path: string, method = "GET", body?: unknown) => {
    const response = await fetch(`${stack.url(service)}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status >= 400)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  };

  await call("flag", "/flags", "POST", { name: "record-split", is_enabled: true });
  await call("targeting", "/rules", "POST", {
    flag_name: "record-split",
    rules: { type: "PERCENTAGE", value: 30 },
  });
  await call("flag", "/flags/record-split", "PUT", { description: "profiled" });
  await call("flag", "/flags");
  await call("targeting", "/rules/record-split");
  await call("flag", "/flagd/import", "POST", await call("flag", "/flagd/export"));
  for (let user = 0; user < EVALUATIONS; user++)
    await call("evaluation", `/evaluate?user_id=user-${user}&flag_name=record-split`);
  await call("evaluation", "/ofrep/v1/evaluate/flags/record-split", "POST", {
    context: { targetingKey: "user-1" },
  });
  await call("evaluation", "/ofrep/v1/evaluate/flags", "POST", {
    context: { targetingKey: "user-1" },
  });
  // The counts ship on their interval; analytics has stored them once they show up.
  for (let attempt = 0; attempt < 100; attempt++) {
    const { totals } = (await call("analytics", "/analytics/flags/record-split")) as {
      totals: { true: number; false: number };
    };
    // The OFREP evaluations count too.
    if (totals.true + totals.false >= EVALUATIONS) return;
    await Bun.sleep(100);
  }
  throw new Error("analytics did not count the evaluations within 10 s");
}

async function main() {
  const built = await buildBinaries(SERVICE_NAMES.map((service) => ({ service, arch: "x64" })));
  console.log(formatSizes(built));
  const stack = await startStack({
    runtime: "binary",
    extraEnv: Object.fromEntries(
      SERVICE_NAMES.map((service) => [
        service,
        { BUN_BYTECODE_ORDER_OUT: bytecodeOrderPath(service) },
      ]),
    ),
  });
  try {
    await workload(stack);
  } finally {
    // Each executable writes its profile as it exits.
    await stack.stop();
  }
  for (const service of SERVICE_NAMES) {
    const path = bytecodeOrderPath(service);
    const entries = bytecodeOrderEntries(path).length;
    console.log(`${service}: ${entries} functions and modules in ${relative(REPO_ROOT, path)}`);
  }
}

await main();
