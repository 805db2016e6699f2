/**
 * What a fault test must undo however it ends: processes it started, directories it made.
 * Registered as things are created, run by `afterAll`, which bun also runs after a failed
 * `beforeAll` or a timed-out test.
 */
export class Cleanup {
  private readonly steps: Array<() => unknown> = [];

  add(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Last made, first undone; one failing step does not stop the others. */
  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step();
      } catch (error) {
        console.error("cleanup step failed:", error);
      }
    }
  }
}

/** Runs a command to completion and returns its stdout; throws with its output when it fails. */
export async function runCommand(command: string[]): Promise<string> {
  const child = Bun.spawn(command, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`${command.join(" ")} exited ${code}:\n${stdout}${stderr}`);
  return stdout;
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  intervalMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      if (await check()) return true;
    } catch {
      // Not there yet: a dependency that is coming back may still refuse.
    }
    if (Date.now() >= deadline) return false;
    await Bun.sleep(intervalMs);
  }
}
