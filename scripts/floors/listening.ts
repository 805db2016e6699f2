/**
 * What a floor does once it listens, as the services do (services/shared/serve.ts): the JIT
 * keeps holding back, because a floor only ever answers probes, which are not work; and it
 * exits on SIGTERM, which is when a run writes its bytecode order.
 */
export function listening() {
  process.on("SIGTERM", () => process.exit(0));
}
