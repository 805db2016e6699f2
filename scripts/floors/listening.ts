/**
 * What a floor does once it listens, as the services do (services/shared/serve.ts): the normal
 * JIT policy from then on, and an exit on SIGTERM, which is when a run writes its bytecode order.
 */
export function listening() {
  Bun.unsafe.setJITPolicy(1);
  process.on("SIGTERM", () => process.exit(0));
}
