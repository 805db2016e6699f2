/** What the benchmarks read about a process (from Linux's /proc), and how they sum up runs. */
import { readFileSync } from "node:fs";

/** CPU seconds a process has used so far (user + system). */
export async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await Bun.file(`/proc/${pid}/stat`).text()).split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * VmRSS splits into anonymous memory (heaps, private to the process) and file-backed pages,
 * mostly of the executable itself (runtime and bytecode), which the kernel shares and can
 * drop under pressure.
 */
export interface Memory {
  rssMiB: number;
  anonymousMiB: number;
  fileMiB: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const mib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status)?.[1]) / 1024;
  return { rssMiB: mib("VmRSS"), anonymousMiB: mib("RssAnon"), fileMiB: mib("RssFile") };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[Math.floor(middle)] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
