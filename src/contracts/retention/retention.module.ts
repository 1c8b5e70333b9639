import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { contractsConfig } from '../contracts.config.js';
import { ContractsModule } from '../contracts.module.js';
import { RetentionService } from './retention.service.js';

/**
 * Contract retention (CONTRACT_RETENTION_DAYS). A module of its own so that only the server runs it:
 * the CLIs import ContractsModule alone and never start the retention timer.
 */
@Module({
  imports: [ConfigModule.forFeature(contractsConfig), ContractsModule],
  providers: [RetentionService],
  exports: [RetentionService],
})
export class RetentionModule {}
