import { Controller, Get, NotFoundException, Param, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/index.js';
import { DashboardAssets } from './dashboard-assets.js';
import { DASHBOARD_ASSETS_DIR, DASHBOARD_INDEX, DASHBOARD_PATH } from './dashboard.constants.js';
import { DashboardMessages } from './dashboard.messages.js';

/**
 * The dashboard page and its script and stylesheet. Public: the page holds no data; what it shows
 * comes from the API, which asks the page for a key once keys exist.
 */
@ApiExcludeController()
@Public()
@Controller(DASHBOARD_PATH)
export class DashboardController {
  constructor(private readonly assets: DashboardAssets) {}

  @Get()
  page(@Res() res: Response): void {
    this.send(res, DASHBOARD_INDEX);
  }

  @Get(':file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    this.send(res, file);
  }

  private send(res: Response, name: string): void {
    if (!this.assets.built) throw new ServiceUnavailableException(DashboardMessages.notBuilt(DASHBOARD_ASSETS_DIR));
    const asset = this.assets.get(name);
    if (asset === undefined) throw new NotFoundException(DashboardMessages.unknownAsset(name));
    // File names are not hashed: the browser asks again each time (the files are small).
    res.setHeader('Cache-Control', 'no-cache');
    res.type(asset.contentType).send(asset.body);
  }
}
