import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AgentRegistry } from '../../agents/agent.registry.js';
import { AGENT_STATUSES } from '../../agents/agents.constants.js';
import { AgentsService } from '../../agents/agents.service.js';
import { SERVICE_VERSION } from '../../app.constants.js';
import { ORCHESTRATOR_AGENT_ID } from '../../contracts/contract.model.js';
import { TraceOutboxDispatcher } from '../../integrations/trace/trace-outbox.dispatcher.js';
import { OrchestratorService } from '../../orchestrator/orchestrator.service.js';
import { AgentScheduler } from '../../orchestrator/routing/agent-scheduler.js';
import { TaskLifecycle, type TaskFinishedEvent } from '../../orchestrator/task-lifecycle.js';
import { HTTP_DURATION_BUCKETS, METRIC, TASK_DURATION_BUCKETS, UNKNOWN_LABEL } from './metrics.constants.js';

type Backlog = Awaited<ReturnType<TraceOutboxDispatcher['backlog']>>;

/**
 * The app's Prometheus metrics, on a registry of its own (several apps can live in one process).
 * Counters and histograms are fed as things happen (HTTP answers, finished tasks); gauges are read
 * from the services when `/metrics` is scraped, so nothing is kept up to date in between.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly logger = new Logger(MetricsService.name);

  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly tasks: Counter<'capability' | 'agent' | 'outcome'>;
  private readonly taskDuration: Histogram<'capability' | 'outcome'>;
  private unsubscribe?: () => void;
  /** One backlog query per scrape, shared by the gauges that show it. */
  private backlogScrape: Promise<Backlog | null> | null = null;

  constructor(
    private readonly lifecycle: TaskLifecycle,
    private readonly orchestrator: OrchestratorService,
    private readonly scheduler: AgentScheduler,
    private readonly agents: AgentsService,
    private readonly agentRegistry: AgentRegistry,
    private readonly dispatcher: TraceOutboxDispatcher,
  ) {
    const registers = [this.registry];
    // prom-client calls each gauge's collect() with the gauge as `this`.
    // oxlint-disable-next-line typescript/no-this-alias
    const self = this;

    this.httpDuration = new Histogram({
      name: METRIC.httpRequestDuration,
      help: 'Time to answer an HTTP request, by method, route template and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_DURATION_BUCKETS,
      registers,
    });
    this.tasks = new Counter({
      name: METRIC.tasks,
      help: 'Tasks ended, by capability, agent and outcome (completed, failed, cancelled)',
      labelNames: ['capability', 'agent', 'outcome'],
      registers,
    });
    this.taskDuration = new Histogram({
      name: METRIC.taskDuration,
      help: 'Time from acceptance of a task to its committed outcome (queueing and failover included)',
      labelNames: ['capability', 'outcome'],
      buckets: TASK_DURATION_BUCKETS,
      registers,
    });
    new Gauge({
      name: METRIC.tasksInFlight,
      help: 'Tasks accepted and not finished yet',
      registers,
      collect() {
        this.set(self.orchestrator.inFlightCount());
      },
    });
    new Gauge({
      name: METRIC.tasksQueued,
      help: 'Tasks waiting for a free agent, by capability',
      labelNames: ['capability'],
      registers,
      collect() {
        this.reset();
        for (const [capability, waiting] of self.queuedByCapability()) this.set({ capability }, waiting);
      },
    });
    new Gauge({
      name: METRIC.agents,
      help: 'Registered agents by status',
      labelNames: ['status'],
      registers,
      collect() {
        const counts = self.agents.countByStatus();
        for (const status of AGENT_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
    new Gauge({
      name: METRIC.outboxBacklog,
      help: 'Trace outbox events not delivered yet',
      registers,
      // Unreadable (the database is down): no sample rather than a reassuring 0.
      async collect() {
        const backlog = await self.scrapeBacklog();
        if (backlog) this.set(backlog.pending);
        else this.remove();
      },
    });
    new Gauge({
      name: METRIC.outboxOldestAge,
      help: 'Age of the oldest Trace outbox event not delivered yet (0 when none)',
      registers,
      async collect() {
        const backlog = await self.scrapeBacklog();
        if (!backlog) return this.remove();
        const oldest = backlog.oldest_created_at === null ? NaN : Date.parse(backlog.oldest_created_at);
        this.set(Number.isNaN(oldest) ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
      },
    });
    new Counter({
      name: METRIC.outboxDeliveries,
      help: 'Trace delivery attempts since start, by outcome (delivered, failed)',
      labelNames: ['outcome'],
      registers,
      collect() {
        const stats = self.dispatcher.stats();
        this.reset();
        this.inc({ outcome: 'delivered' }, stats.delivered);
        this.inc({ outcome: 'failed' }, stats.failed_attempts);
      },
    });
    new Gauge({
      name: METRIC.outboxDeadLetters,
      help: 'Trace events set aside: refused for good by Trace or out of attempts (npm run outbox -- list|requeue)',
      registers,
      // Unreadable (the database is down): no sample rather than a reassuring 0.
      async collect() {
        try {
          this.set((await self.dispatcher.deadLetters()).count);
        } catch (error) {
          self.logger.warn(`Trace dead letters not available for /metrics: ${error instanceof Error ? error.message : String(error)}`);
          this.remove();
        }
      },
    });
    new Gauge({
      name: METRIC.dispatcherYielding,
      help: 'Whether Trace delivery is giving way to a saturated request path (1) or not (0)',
      registers,
      collect() {
        this.set(self.dispatcher.stats().yielding ? 1 : 0);
      },
    });
    new Gauge({ name: METRIC.buildInfo, help: 'Version of the running service (always 1)', labelNames: ['version'], registers }).set(
      { version: SERVICE_VERSION },
      1,
    );
  }

  onModuleInit(): void {
    collectDefaultMetrics({ register: this.registry });
    this.unsubscribe = this.lifecycle.subscribe({ finished: (event) => this.taskFinished(event) });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Records one HTTP answer; `route` is the route template, never the raw URL. */
  observeHttp(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status_code: statusCode }, seconds);
  }

  taskFinished(event: TaskFinishedEvent): void {
    const capability = this.capabilityLabel(event.capability);
    this.tasks.inc({ capability, agent: this.agentLabel(event.agent_id), outcome: event.status });
    this.taskDuration.observe({ capability, outcome: event.status }, event.duration_ms / 1000);
  }

  /**
   * Label values come only from what is registered: a capability some agent provides, an agent in the
   * registry (or the orchestrator itself). Anything else (a name a caller made up, e.g. a refused
   * delegation) is `unknown`, so callers cannot grow the number of series.
   */
  private capabilityLabel(capability: string): string {
    return this.agentRegistry.providers(capability).length > 0 ? capability : UNKNOWN_LABEL;
  }

  private agentLabel(agentId: string): string {
    return agentId === ORCHESTRATOR_AGENT_ID || this.agentRegistry.get(agentId) !== undefined ? agentId : UNKNOWN_LABEL;
  }

  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Waiting tasks of every capability an agent provides (0 when none wait), and of any other queue. */
  private queuedByCapability(): Map<string, number> {
    const queued = new Map<string, number>();
    for (const agent of this.agentRegistry.list()) {
      for (const capability of agent.definition.capabilities.keys()) queued.set(capability, 0);
    }
    for (const [capability, waiting] of Object.entries(this.scheduler.waiting())) {
      const label = this.capabilityLabel(capability);
      queued.set(label, label === capability ? waiting : (queued.get(label) ?? 0) + waiting);
    }
    return queued;
  }

  private scrapeBacklog(): Promise<Backlog | null> {
    this.backlogScrape ??= this.dispatcher
      .backlog()
      .catch((error: unknown) => {
        this.logger.warn(`Trace outbox backlog not available for /metrics: ${error instanceof Error ? error.message : String(error)}`);
        return null;
      })
      .finally(() => {
        this.backlogScrape = null;
      });
    return this.backlogScrape;
  }
}
