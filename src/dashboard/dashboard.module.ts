import { Module } from '@nestjs/common';
import { DashboardAssets } from './dashboard-assets.js';
import { DashboardController } from './dashboard.controller.js';

/** `GET /ui`: the web dashboard, built from `client/` by `npm run build` and served from memory. */
@Module({
  controllers: [DashboardController],
  providers: [{ provide: DashboardAssets, useFactory: () => new DashboardAssets() }],
})
export class DashboardModule {}
