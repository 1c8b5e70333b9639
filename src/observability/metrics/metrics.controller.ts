import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Scopes } from '../../auth/index.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus scrape endpoint, outside `/v1` where scrapers look for it. */
@ApiTags('observability')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Scopes('read')
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'Text exposition format 0.0.4: HTTP request durations, tasks by capability/agent/outcome and their durations, tasks in flight and queued, agents by status, the Trace outbox backlog and deliveries, and the default Node.js process metrics.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The metrics, one sample per line', schema: { type: 'string' } })
  async scrape(@Res({ passthrough: true }) res: Response): Promise<string> {
    const body = await this.metrics.metrics();
    res.setHeader('Content-Type', this.metrics.contentType);
    res.setHeader('Cache-Control', 'no-store');
    return body;
  }
}
