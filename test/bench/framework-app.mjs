// The bench's `framework` reference: a NestJS / Express app built with this project's own @nestjs
// packages, with one GET route (`/v1/health`, the same answer as the orchestrator's) and nothing
// else: no body parser, no middleware, no guard, no pipe, no filter, no logger on requests.
// Started like the orchestrator (server.mjs: node with npm start's options, HOST and PORT from the
// environment), so that a ratio to it measures what the orchestrator adds to the framework.
//
//   HOST=127.0.0.1 PORT=3000 node test/bench/framework-app.mjs
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

const ANSWER = { service: 'agent-orchestrator', status: 'healthy', version: '1.0.0' };

class HealthController {
  health() {
    return ANSWER;
  }
}
// Decorators applied as functions: this file runs as plain JavaScript, without a compiler.
Controller('v1')(HealthController);
Get('health')(HealthController.prototype, 'health', Object.getOwnPropertyDescriptor(HealthController.prototype, 'health'));

class FrameworkModule {}
Module({ controllers: [HealthController] })(FrameworkModule);

const app = await NestFactory.create(FrameworkModule, { bodyParser: false, logger: ['error', 'warn'] });
await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
// A clean exit on SIGINT (server.mjs stops servers with it), so that --cpu-prof writes its profile.
process.once('SIGINT', () => void app.close().then(() => process.exit(0)));
