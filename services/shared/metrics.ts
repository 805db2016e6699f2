/** A small Prometheus text-format registry: counters, gauges and histograms with labels. */
type Labels = Record<string, string | number>;

interface Metric {
  render(): string;
}

function labelKey(labels: Labels): string {
  const parts = Object.keys(labels)
    .sort()
    .map((key) => `${key}="${String(labels[key]).replace(/["\\\n]/g, "_")}"`);
  return parts.join(",");
}

const withLabels = (name: string, key: string) => (key === "" ? name : `${name}{${key}}`);

export class Counter implements Metric {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels?: Labels, by = 1): void {
    const key = labels === undefined ? "" : labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  /** A pre-resolved series, for hot paths that cannot afford to format labels each time. */
  series(labels: Labels): (by?: number) => void {
    const key = labelKey(labels);
    if (!this.values.has(key)) this.values.set(key, 0);
    return (by = 1) => this.values.set(key, (this.values.get(key) ?? 0) + by);
  }

  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [key, value] of this.values) lines.push(`${withLabels(this.name, key)} ${value}`);
    return lines.join("\n");
  }
}

export class Gauge implements Metric {
  private readonly values = new Map<string, () => number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** The value is read when /metrics is scraped, so it is never stale. */
  track(read: () => number, labels: Labels = {}): void {
    this.values.set(labelKey(labels), read);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const [key, read] of this.values) lines.push(`${withLabels(this.name, key)} ${read()}`);
    return lines.join("\n");
  }
}

const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export class Histogram implements Metric {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[] = DEFAULT_BUCKETS,
  ) {}

  observe(labels: Labels, value: number): void {
    this.labelled(labels)(value);
  }

  /** A pre-resolved series, for hot paths that cannot afford to format labels each time. */
  labelled(labels: Labels): (value: number) => void {
    const key = labelKey(labels);
    let entry = this.series.get(key);
    if (entry === undefined) {
      entry = { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
      this.series.set(key, entry);
    }
    const { counts } = entry;
    const series = entry;
    const { buckets } = this;
    return (value) => {
      series.sum += value;
      series.count += 1;
      for (let bucket = 0; bucket < buckets.length; bucket++)
        if (value <= (buckets[bucket] as number)) {
          counts[bucket] = (counts[bucket] as number) + 1;
          return;
        }
    };
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, entry] of this.series) {
      const prefix = key === "" ? "" : `${key},`;
      let cumulative = 0;
      this.buckets.forEach((bound, index) => {
        cumulative += entry.counts[index] ?? 0;
        lines.push(`${this.name}_bucket{${prefix}le="${bound}"} ${cumulative}`);
      });
      lines.push(`${this.name}_bucket{${prefix}le="+Inf"} ${entry.count}`);
      lines.push(`${withLabels(`${this.name}_sum`, key)} ${entry.sum}`);
      lines.push(`${withLabels(`${this.name}_count`, key)} ${entry.count}`);
    }
    return lines.join("\n");
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }

  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  render(): string {
    return `${this.metrics.map((metric) => metric.render()).join("\n")}\n`;
  }

  private add<M extends Metric>(metric: M): M {
    this.metrics.push(metric);
    return metric;
  }
}
