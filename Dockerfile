# syntax=docker/dockerfile:1
# Agent Orchestrator: build with the full toolchain, run on Node 24 slim with production
# dependencies only (the same steps as test/production-start.e2e-spec.ts).
#   docker build -t agent-orchestrator .
#   docker run -p 8888:8888 -v orchestrator-data:/data agent-orchestrator

FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8888 \
    DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8888
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/v1/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The command of `npm run start:prod`, run directly so that SIGTERM reaches the server (it drains
# the tasks in flight) without npm in between.
CMD ["node", "--max-semi-space-size=8", "--heap-growing-percent=100", "dist/main.js"]
