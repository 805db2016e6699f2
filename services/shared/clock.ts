/**
 * Time and timers, injected wherever behaviour depends on them, so unit tests can drive
 * them (see test/support/clock.ts) instead of waiting.
 */
export interface Timer {
  /** Lets the process exit while the timer is pending. */
  unref?(): void;
}

export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): Timer;
  clearTimeout(timer: Timer): void;
}

export const systemClock: Clock = {
  now: Date.now,
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};
