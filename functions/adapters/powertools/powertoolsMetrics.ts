// Secondary adapter: MetricsPort on Powertools Metrics (CloudWatch EMF written to stdout, no API
// calls). Dimensions stay fixed (service, mode): per-pair dimensions would multiply metric cost.
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { MetricsPort } from '../../core/ports.js';

const UNITS = { Count: MetricUnit.Count, Milliseconds: MetricUnit.Milliseconds, None: MetricUnit.NoUnit } as const;

/** Buffers metrics in a Powertools Metrics instance; `flush` writes them once per invocation. */
export class PowertoolsMetrics implements MetricsPort {
  constructor(private readonly metrics: Metrics) {}

  add(name: string, unit: 'Count' | 'Milliseconds' | 'None', value: number): void {
    this.metrics.addMetric(name, UNITS[unit], value);
  }

  /** Writes the buffered metrics as one EMF line (nothing when none were added). */
  flush(): void {
    if (this.metrics.hasStoredMetrics()) this.metrics.publishStoredMetrics();
  }
}
