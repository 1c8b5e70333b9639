export { ObservabilityModule } from './observability.module.js';
export { useObservability } from './observability.setup.js';
export { MetricsService } from './metrics/metrics.service.js';
