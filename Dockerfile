# turtle-sentinel beside turtle-cron. Build: docker build -t turtle-sentinel .
# It needs the Docker socket (to observe and, with approval, recreate the guarded containers),
# the guarded checkout (logs/, data/, crontab, and the git tree for the git rollback strategy).
FROM node:20-bookworm-slim
# git: the runbook's git rollback strategy (branch at the target commit, build from that tree).
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/turtle-sentinel
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
RUN npm run build && npm prune --omit=dev
COPY rules ./rules
COPY examples ./examples
# At v3.2.x the guarded files are root:root 0600 (tempfile.mkstemp + rename). The sidecar must be
# able to read them, so it runs as root by default; set `user:` in compose to match your files.
ENV NODE_ENV=production
EXPOSE 9464
# A small young generation: an idle watcher allocates little, and the default semi-space would
# keep ~10 MB of RSS it never needs.
ENTRYPOINT ["node", "--max-semi-space-size=2", "dist/main.js"]
CMD ["run", "--config", "/config/sentinel.yaml"]
