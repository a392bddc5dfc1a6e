#!/usr/bin/env bash
# The v3.2.1 runbook's rollback as an operator would type it (부록 quick reference for `git`, 섹션 2 for
# `image-tag`), with the docker CLI, corrected as reference §5 says so that it really switches:
#   - `mkdir -p` the backups directory (mistake 9);
#   - tag the image with the name compose uses, `<project>-<service>`, instead of `turtle-trading:latest`
#     (mistake 1: with `build: .` and no `image:`, `docker-compose up -d` would keep running v3.2.1);
#   - the containers of §2 get the compose network and labels (mistake 2).
# `docker-compose down` / `up -d` are written as the docker CLI commands they amount to for the
# turtle-trading compose file (reference §4), so the script runs where only the docker CLI exists.
# It is the baseline of bench/rollback.ts; it does no verification beyond `docker ps`, as the runbook.
#
# Usage: runbook-quickref.sh git|image-tag
# Environment: ROOT (deployment root: data/, logs/, .env), REPO (git checkout; default ROOT), PROJECT
# (compose project, default turtle_trading), TARGET (238760b), BRANCH, BACKUP_TAG, ROLLBACK_TAG,
# DASHBOARD_SH (the dashboard's command as one shell string; default the real streamlit command),
# DASHBOARD_PUBLISH (default 8501:8501), EXTRA_LABEL (an extra label for what the script creates).
set -euo pipefail

MODE=${1:?usage: runbook-quickref.sh git|image-tag}
ROOT=${ROOT:?ROOT must name the deployment root}
REPO=${REPO:-$ROOT}
PROJECT=${PROJECT:-turtle_trading}
TARGET=${TARGET:-238760b}
BRANCH=${BRANCH:-rollback/v3.2.1-to-v3.2.0}
BACKUP_TAG=${BACKUP_TAG:-turtle-trading:pre-v3.2.1-backup}
ROLLBACK_TAG=${ROLLBACK_TAG:-turtle-trading:rollback-v3.2.0}
DASHBOARD_PUBLISH=${DASHBOARD_PUBLISH:-8501:8501}
NETWORK="${PROJECT}_turtle-network"
extra=()
if [ -n "${EXTRA_LABEL:-}" ]; then extra=(--label "$EXTRA_LABEL"); fi

# === 롤백 시작 ===
cd "$ROOT"
BACKUP_TS=$(date +%Y%m%d_%H%M%S)

# 1. 상태 백업
mkdir -p data/positions/backups
cp -p data/positions/positions.json "data/positions/backups/positions.json.pre-rollback-${BACKUP_TS}"

# 2. 서비스 중단 (docker-compose down)
docker stop turtle-dashboard turtle-cron >/dev/null
docker rm turtle-dashboard turtle-cron >/dev/null
docker network rm "$NETWORK" >/dev/null

if [ "$MODE" = git ]; then
  # 3. 이전 커밋으로 전환 (rollback 브랜치)
  git -C "$REPO" checkout -q -b "$BRANCH" "$TARGET"
  # 4. 이미지 재빌드 — tagged with compose's own image names, not turtle-trading:latest
  (cd "$REPO" && docker build -q -t "$ROLLBACK_TAG" -t "${PROJECT}-turtle-cron" -t "${PROJECT}-turtle-dashboard" . >/dev/null)
  CRON_IMAGE="${PROJECT}-turtle-cron"
  DASHBOARD_IMAGE="${PROJECT}-turtle-dashboard"
elif [ "$MODE" = image-tag ]; then
  # 섹션 2: the backup tag, also under compose's names so a later `docker-compose up -d` keeps it
  docker tag "$BACKUP_TAG" "${PROJECT}-turtle-cron"
  docker tag "$BACKUP_TAG" "${PROJECT}-turtle-dashboard"
  CRON_IMAGE="$BACKUP_TAG"
  DASHBOARD_IMAGE="$BACKUP_TAG"
else
  echo "unknown mode $MODE (git or image-tag)" >&2
  exit 2
fi

# 5. 서비스 재기동 (docker-compose up -d)
envfile=()
if [ -f .env ]; then envfile=(--env-file .env); fi
docker network create --label "com.docker.compose.project=$PROJECT" --label com.docker.compose.network=turtle-network "${extra[@]}" "$NETWORK" >/dev/null
labels() { echo --label "com.docker.compose.project=$PROJECT" --label "com.docker.compose.service=$1" --label com.docker.compose.oneoff=False --label com.docker.compose.container-number=1; }
# shellcheck disable=SC2046
docker run -d --name turtle-cron $(labels turtle-cron) "${extra[@]}" "${envfile[@]}" \
  -v "$ROOT/data:/app/data" -v "$ROOT/logs:/app/logs" --restart unless-stopped \
  --network "$NETWORK" --network-alias turtle-cron "$CRON_IMAGE" >/dev/null
if [ -n "${DASHBOARD_SH:-}" ]; then dashboard_cmd=(/bin/sh -c "$DASHBOARD_SH"); else dashboard_cmd=(streamlit run app.py --server.port=8501 --server.address=0.0.0.0); fi
# shellcheck disable=SC2046
docker run -d --name turtle-dashboard $(labels turtle-dashboard) "${extra[@]}" "${envfile[@]}" \
  -v "$ROOT/data:/app/data" -v "$ROOT/logs:/app/logs" -p "$DASHBOARD_PUBLISH" --restart unless-stopped \
  --network "$NETWORK" --network-alias turtle-dashboard "$DASHBOARD_IMAGE" "${dashboard_cmd[@]}" >/dev/null

# 6. 즉시 검증
docker ps --filter name=turtle
docker logs --tail 30 turtle-cron
# === 롤백 완료 ===
