/**
 * Counters and histograms for the request path: a series is a plain object found once per label
 * set and kept by its caller, so counting is a number increment (prom-client's own metrics hash
 * their label object on every call). They implement what prom-client's Registry reads from a
 * metric (name, help, type, get()), so they are exported with everything else.
 */
type Labels = Record<string, string>;

interface ExportedValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

interface Exported {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: ExportedValue[];
  aggregator: 'sum';
}

export class CounterSeries {
  value = 0;

  constructor(readonly labels: Labels) {}
}

export class HistogramSeries {
  /** Observations per bucket (not cumulative: summed when exported). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        this.counts[i]++;
        return;
      }
    }
  }
}

/** Series by label values (joined with a character no label value holds). */
abstract class FastMetric<S extends { labels: Labels }> {
  protected readonly bySeries = new Map<string, S>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
  ) {}

  /** The series of these label values (in labelNames order), made on first use. */
  series(...values: string[]): S {
    const key = values.join('\u0001');
    let found = this.bySeries.get(key);
    if (!found) {
      found = this.make(Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]])));
      this.bySeries.set(key, found);
    }
    return found;
  }

  protected abstract make(labels: Labels): S;
}

export class FastCounter extends FastMetric<CounterSeries> {
  readonly type = 'counter';

  protected make(labels: Labels): CounterSeries {
    return new CounterSeries(labels);
  }

  get(): Exported {
    const values = [...this.bySeries.values()].map((s) => ({ labels: s.labels, value: s.value }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}

export class FastHistogram extends FastMetric<HistogramSeries> {
  readonly type = 'histogram';

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  protected make(labels: Labels): HistogramSeries {
    return new HistogramSeries(labels, this.bounds);
  }

  get(): Exported {
    const values: ExportedValue[] = [];
    for (const s of this.bySeries.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i];
        values.push({ labels: { ...s.labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: 'sum' };
  }
}
