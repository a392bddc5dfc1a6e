// A small real turtle-trading-like git repository with three release tags, for the catalogue generator
// and for anyone building release replicas (the file contents per tag are exported):
//   v1.0.0  Debian cron as root: `COPY crontab /etc/cron.d/turtle-cron`, 4 jobs, `cls(**data)`
//   v1.1.0  supercronic under `USER turtle` (uid 1000), /app/crontab, monitor_positions.py writing its
//           own logs/monitor.log, a kill switch (TRADING_ENABLED)
//   v1.2.0  Position gains `entry_reason` and from_dict drops unknown keys
// Commits carry fixed dates and authors, so hashes are the same on every machine.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export type ReleaseFiles = Record<string, string>;

const DEBIAN_DOCKERFILE = `FROM python:3.12-slim

WORKDIR /app

RUN apt-get update && apt-get install -y \\
    cron \\
    && rm -rf /var/lib/apt/lists/*

COPY pyproject.toml .
COPY src/ src/
COPY scripts/ scripts/

# Crontab 설정
COPY crontab /etc/cron.d/turtle-cron
RUN chmod 0644 /etc/cron.d/turtle-cron
RUN crontab /etc/cron.d/turtle-cron

ENV TZ=Asia/Seoul
CMD ["cron", "-f"]
`;

const SUPERCRONIC_DOCKERFILE = `FROM python:3.12-slim

WORKDIR /app

COPY pyproject.toml .
COPY src/ src/
COPY scripts/ scripts/
COPY crontab /app/crontab

RUN mkdir -p /app/data /app/logs
RUN groupadd --gid 1000 turtle && \\
    useradd --uid 1000 --gid 1000 --create-home --shell /bin/bash turtle && \\
    chown -R turtle:turtle /app/data /app/logs

COPY entrypoint.sh /app/entrypoint.sh

ENV TZ=Asia/Seoul
ENTRYPOINT ["/app/entrypoint.sh"]
USER turtle
CMD ["supercronic", "/app/crontab"]
`;

const DEBIAN_CRONTAB = `SHELL=/bin/bash
PYTHONPATH=/app
0 16 * * 1-5 cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1
0 7 * * 2-6 cd /app && python scripts/check_positions.py >> /app/logs/check_us.log 2>&1
0 8 * * * cd /app && python scripts/daily_report.py >> /app/logs/daily_report.log 2>&1
0 3 * * 0 find /app/data/cache -type f -mtime +7 -delete >> /app/logs/cleanup.log 2>&1
`;

const SUPERCRONIC_CRONTAB = `TZ=Asia/Seoul
SHELL=/bin/bash
PYTHONPATH=/app
0 16 * * 1-5 cd /app && python scripts/check_positions.py >> /app/logs/check_kr.log 2>&1
0 7 * * 2-6 cd /app && python scripts/check_positions.py >> /app/logs/check_us.log 2>&1
0 8 * * * cd /app && python scripts/daily_report.py >> /app/logs/daily_report.log 2>&1
# 로그는 Python TimedRotatingFileHandler가 관리 (>> 리디렉션 불필요)
*/5 9-14 * * 1-5 cd /app && python scripts/monitor_positions.py
0 3 * * 0 find /app/data/cache -type f -mtime +7 -delete >> /app/logs/cleanup.log 2>&1
`;

const SCRIPT_HELPERS = `import logging

logger = logging.getLogger(__name__)


def setup_notifier(config):
    if config.get("telegram_token") and config.get("telegram_chat_id"):
        logger.info("Telegram 채널 활성화")
    return object()
`;

function checkPositions(killSwitch: boolean): string {
  return `import asyncio
import logging

from src.position_tracker import PositionTracker
from src.script_helpers import setup_notifier
${killSwitch ? 'from src.kill_switch import KillSwitch\n' : ''}
logging.basicConfig(level=logging.INFO, format="%(asctime)s - %(name)s - %(levelname)s - %(message)s")
logger = logging.getLogger(__name__)


async def main():
    logger.info("=== 통합 포지션 & 시그널 체크 시작 ===")
    notifier = setup_notifier({})
    tracker = PositionTracker()
    for pos in tracker.get_open_positions():
        if pos.stop_hit:
            logger.warning(f"스톱로스 발동: {pos.symbol} ({pos.direction.value}) @ {pos.close}")
    signals = []
${killSwitch ? '    if signals and not KillSwitch().is_trading_enabled():\n        logger.warning(f"킬 스위치 활성 중: {len(signals)}개 시그널 감지되었으나 신규 진입 불가")\n' : ''}    if signals:
        logger.info(f"신규 시그널: {len(signals)}개")
    else:
        logger.info("신규 시그널 없음")
    logger.info("=== 체크 완료 ===")


if __name__ == "__main__":
    asyncio.run(main())
`;
}

const DAILY_REPORT = `import asyncio
import logging

logging.basicConfig(level=logging.INFO, format="%(asctime)s - %(name)s - %(levelname)s - %(message)s")
logger = logging.getLogger(__name__)


async def main():
    logger.info("=== 일일 리포트 생성 시작 ===")
    logger.info(
        f"리포트 데이터: "
        f"{1}"
    )
    logger.info("=== 일일 리포트 완료 ===")


if __name__ == "__main__":
    asyncio.run(main())
`;

const MONITOR_POSITIONS = `import logging
import logging.handlers
from pathlib import Path

from src.position_tracker import PositionTracker

logger = logging.getLogger(__name__)


def setup_logging():
    log_dir = Path(__file__).parent.parent / "logs"
    file_handler = logging.handlers.TimedRotatingFileHandler(
        log_dir / "monitor.log",
        when="midnight",
        backupCount=7,
        encoding="utf-8",
    )
    logging.getLogger().addHandler(file_handler)


def main():
    setup_logging()
    logger.info("=== 포지션 장중 모니터링 시작 ===")
    for pos in PositionTracker().get_open_positions():
        logger.warning(f"스톱로스 알림: {pos.symbol}")
    logger.info("모니터링 완료")


if __name__ == "__main__":
    main()
`;

const KILL_SWITCH = `import logging
import os

logger = logging.getLogger(__name__)


class KillSwitch:
    def reload(self) -> None:
        env_val = os.environ.get("TRADING_ENABLED")
        self.enabled = env_val is None or env_val.lower() not in ("false", "0", "no")

    def activate(self, reason: str = "수동 킬 스위치") -> None:
        logger.critical(f"킬 스위치 활성화: {reason}")
`;

function positionTracker(entryReason: boolean): string {
  const fromDict = entryReason
    ? `    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Position":
        from dataclasses import fields

        known_keys = {f.name for f in fields(cls)}
        filtered = {k: v for k, v in data.items() if k in known_keys}
        return cls(**filtered)
`
    : `    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "Position":
        return cls(**data)
`;
  return `"""포지션 추적"""

import logging
from dataclasses import dataclass
from typing import Any, Dict, Optional

logger = logging.getLogger(__name__)


@dataclass
class Position:
    """포지션 데이터 클래스"""

    position_id: str
    symbol: str
    direction: str

    def __post_init__(self):
        """문자열 direction 정리"""
        self.direction = self.direction.upper()

    entry_price: float
    units: int  # 현재 유닛 수
    status: str
    exit_price: Optional[float] = None
${entryReason ? '    entry_reason: Optional[str] = None\n' : ''}    pnl: Optional[float] = None

${fromDict}

@dataclass
class PositionEntry:
    """개별 진입 기록"""

    entry_id: str
    position_id: str
    shares: int


class PositionTracker:
    def close(self, pos):
        logger.info(f"포지션 청산: {pos.position_id} PnL: {pos.pnl}")
`;
}

/** The files of each release, by repository path. */
export const CATALOGUE_REPO_RELEASES: Record<'v1.0.0' | 'v1.1.0' | 'v1.2.0', ReleaseFiles> = {
  'v1.0.0': {
    Dockerfile: DEBIAN_DOCKERFILE,
    crontab: DEBIAN_CRONTAB,
    'pyproject.toml': '[project]\nname = "turtle-trading"\n',
    'scripts/check_positions.py': checkPositions(false),
    'scripts/daily_report.py': DAILY_REPORT,
    'src/__init__.py': '',
    'src/position_tracker.py': positionTracker(false),
    'src/script_helpers.py': SCRIPT_HELPERS,
  },
  'v1.1.0': {
    Dockerfile: SUPERCRONIC_DOCKERFILE,
    crontab: SUPERCRONIC_CRONTAB,
    'entrypoint.sh': '#!/bin/bash\nset -e\nexec "$@"\n',
    'pyproject.toml': '[project]\nname = "turtle-trading"\n',
    'scripts/check_positions.py': checkPositions(true),
    'scripts/daily_report.py': DAILY_REPORT,
    'scripts/monitor_positions.py': MONITOR_POSITIONS,
    'src/__init__.py': '',
    'src/kill_switch.py': KILL_SWITCH,
    'src/position_tracker.py': positionTracker(false),
    'src/script_helpers.py': SCRIPT_HELPERS,
  },
  'v1.2.0': {
    Dockerfile: SUPERCRONIC_DOCKERFILE,
    crontab: SUPERCRONIC_CRONTAB,
    'entrypoint.sh': '#!/bin/bash\nset -e\nexec "$@"\n',
    'pyproject.toml': '[project]\nname = "turtle-trading"\n',
    'scripts/check_positions.py': checkPositions(true),
    'scripts/daily_report.py': DAILY_REPORT,
    'scripts/monitor_positions.py': MONITOR_POSITIONS,
    'src/__init__.py': '',
    'src/kill_switch.py': KILL_SWITCH,
    'src/position_tracker.py': positionTracker(true),
    'src/script_helpers.py': SCRIPT_HELPERS,
  },
};

/** The annotations that go with the repository (what an operator would write for it). */
export const CATALOGUE_REPO_ANNOTATIONS = `repository: example/turtle_trading
first: v1.0.0
scripts:
  check_positions.py:
    - since: v1.0.0
      channelMarker: "Telegram 채널 활성화"
      alwaysSends: false
      notifyEvents: ["스톱로스 발동", "신규 시그널:"]
      writesPositions: true
      provides: [new-entries, exits]
  daily_report.py:
    - since: v1.0.0
      alwaysSends: true
      writesPositions: false
      provides: [reports]
  monitor_positions.py:
    - since: v1.1.0
      finishMarker: null
      alwaysSends: false
      notifyEvents: ["스톱로스 알림"]
      writesPositions: false
      provides: [stop-loss-alerts]
killSwitch:
  source: src/kill_switch.py
  stops: [new-entries]
guards:
  - guard: kill-switch
    match: "킬 스위치 활성 중"
    sources: [scripts/check_positions.py]
  - guard: kill-switch
    match: "킬 스위치 활성화"
    sources: [src/kill_switch.py]
`;

const DATES: Record<string, string> = {
  'v1.0.0': '2026-02-22T10:00:00+09:00',
  'v1.1.0': '2026-02-26T10:00:00+09:00',
  'v1.2.0': '2026-03-10T10:00:00+09:00',
};

export function git(repo: string, args: string[], date = '2026-03-20T10:00:00+09:00'): string {
  return execFileSync('git', ['-C', repo, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'turtle',
      GIT_AUTHOR_EMAIL: 'turtle@example.invalid',
      GIT_COMMITTER_NAME: 'turtle',
      GIT_COMMITTER_EMAIL: 'turtle@example.invalid',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
    },
  });
}

/** Replace the work tree's files with `files` and commit them. */
export function commitFiles(repo: string, files: ReleaseFiles, message: string, date?: string): void {
  git(repo, ['rm', '-rq', '--ignore-unmatch', '.']);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), text);
  }
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-qm', message], date);
}

/** A fresh repository in a temp dir with the three release tags; returns its path. */
export function createCatalogueRepo(): string {
  const repo = mkdtempSync(join(tmpdir(), 'catalogue-repo-'));
  git(repo, ['init', '-q', '-b', 'main']);
  for (const [tag, files] of Object.entries(CATALOGUE_REPO_RELEASES)) {
    commitFiles(repo, files, `release ${tag}`, DATES[tag]);
    git(repo, ['tag', tag]);
  }
  return repo;
}
