# turtle-sentinel beside turtle-cron. Built by docker-compose.sentinel.yaml, or by hand from this checkout:
#   docker build -t turtle-sentinel .
# It needs the Docker socket (to observe and, with approval, recreate the guarded containers) and the
# guarded checkout (logs/, data/, crontab, and the git tree for the git rollback strategy).
#
# The base image is a build argument so that a machine without a registry can build it from a local
# Node image (the tests do: test/docker/node-base.ts); the published default is the official image.
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: compile the TypeScript (dev dependencies live only here) ---------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /opt/turtle-sentinel
COPY package.json package-lock.json .npmrc tsconfig.json tsconfig.build.json ./
# --ignore-scripts: no install script is needed to compile (optional native add-ons of ssh2 are skipped).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
RUN npm run build

# --- deps: production dependencies only, installed apart so no dev package can leak into the image --
FROM ${NODE_IMAGE} AS deps
WORKDIR /opt/turtle-sentinel
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: compiled JS, production node_modules, rules, git ---------------------------------------
FROM ${NODE_IMAGE}
# git: the runbook's git rollback strategy. The official image lacks it; a base that has it skips apt.
RUN command -v git >/dev/null 2>&1 || { apt-get update \
      && apt-get install -y --no-install-recommends git ca-certificates \
      && rm -rf /var/lib/apt/lists/*; }
WORKDIR /opt/turtle-sentinel
COPY --from=deps /opt/turtle-sentinel/node_modules ./node_modules
COPY --from=build /opt/turtle-sentinel/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY rules ./rules
COPY examples ./examples
COPY deploy/sentinel.yaml /etc/turtle-sentinel/sentinel.yaml
# `turtle-sentinel` on PATH (the launcher runs dist/: there is no tsx here). The state directory is the
# mount point of the `sentinel-state` volume; a new volume copies its owner, so uid 1000 (turtle-trading
# from v3.4) can write it, and root (v3.2.x) can anyway.
RUN ln -s /opt/turtle-sentinel/bin/turtle-sentinel.js /usr/local/bin/turtle-sentinel \
    && mkdir -p /var/lib/turtle-sentinel \
    && chown 1000:1000 /var/lib/turtle-sentinel \
    && chmod 0770 /var/lib/turtle-sentinel
ENV NODE_ENV=production \
    SENTINEL_CONFIG=/etc/turtle-sentinel/sentinel.yaml
VOLUME /var/lib/turtle-sentinel
# At v3.2.x the guarded files are root:root 0600 (tempfile.mkstemp + rename): the sidecar must read them,
# so it runs as root by default. From v3.4 turtle-trading runs as uid 1000: set `user: "1000:1000"` in
# compose (SENTINEL_USER) and add the Docker socket's group (DOCKER_GID).
USER root
EXPOSE 9464
# No curl in the image: node asks /healthz (503 while a source such as the Docker socket fails). With
# node's http, not fetch: fetch loads undici, which made each check cost ~0.2 s of CPU and ~40 MB more
# peak memory, and at one check per 30 s the healthcheck alone took 0.75 % of a core, over the 0.5 %
# idle target (`npm run bench:container-idle`); http.get costs what node's start-up costs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "require('http').get('http://127.0.0.1:9464/healthz',{timeout:4000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',()=>process.exit(1))"]
# A small young generation: an idle watcher allocates little, and the default semi-space would
# keep ~10 MB of RSS it never needs.
ENTRYPOINT ["node", "--max-semi-space-size=2", "/opt/turtle-sentinel/dist/main.js"]
CMD ["run"]
