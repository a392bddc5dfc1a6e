// The pure readers behind the catalogue generator, on the shapes turtle-trading's files take (and a
// few they could take next): Dockerfile instructions, logging-call text, dataclass fields, from_dict,
// and the difference lines of `catalogue check`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerPathOf, readDockerfile } from '../src/core/catalogue/dockerfile.ts';
import {
  dataclassFields,
  envVariablesRead,
  importedModules,
  loggedTexts,
  outputFragments,
  ownLogFile,
  unknownKeysOf,
} from '../src/core/catalogue/python-source.ts';
import { catalogueDifferences } from '../src/core/catalogue/compare.ts';
import { compareReleases } from '../src/core/catalogue/derive-catalogue.ts';
import type { Catalogue, Release } from '../src/config/catalogue-schema.ts';

test('Dockerfile: CMD and ENTRYPOINT, USER with the uid useradd gives it, COPY destinations under WORKDIR', () => {
  const facts = readDockerfile(`FROM python:3.12-slim AS build
USER nobody
FROM python:3.12-slim
WORKDIR /app
# a comment
COPY src/ src/
COPY --chown=1000:1000 crontab /app/crontab
COPY entrypoint.sh config.yaml ./etc/
RUN groupadd --gid 1000 turtle && \\
    useradd --uid 1000 --gid 1000 --create-home \\
    --shell /bin/bash turtle
ENV TZ=Asia/Seoul PYTHONPATH=/app
ENTRYPOINT ["/app/entrypoint.sh"]
USER turtle:turtle
CMD supercronic /app/crontab
`);
  assert.deepEqual(facts, {
    command: ['/bin/sh', '-c', 'supercronic /app/crontab'],
    entrypoint: ['/app/entrypoint.sh'],
    user: 'turtle',
    uid: 1000,
    copies: [
      { from: 'src/', to: '/app/src' },
      { from: 'crontab', to: '/app/crontab' },
      { from: 'entrypoint.sh', to: '/app/etc/entrypoint.sh' },
      { from: 'config.yaml', to: '/app/etc/config.yaml' },
    ],
    env: { TZ: 'Asia/Seoul', PYTHONPATH: '/app' },
  });
  assert.equal(containerPathOf(facts.copies, 'src/position_tracker.py'), '/app/src/position_tracker.py');
  assert.equal(containerPathOf(facts.copies, 'scripts/check_positions.py'), undefined);
  // No USER: root, uid 0 (Debian cron needs it).
  assert.deepEqual(readDockerfile('FROM x\nCMD ["cron", "-f"]\n'), { command: ['cron', '-f'], user: 'root', uid: 0, copies: [], env: {} });
  // A whole-context COPY puts every file under the destination.
  assert.equal(containerPathOf(readDockerfile('FROM x\nWORKDIR /app\nCOPY . .\n').copies, 'scripts/a.py'), '/app/scripts/a.py');
});

test('logging calls: constant text up to the first placeholder, implicit concatenation, escaped braces; print() is not a logging call', () => {
  const source = `
logger.info("=== 체크 시작 ===")
logger.info(f"=== OHLCV 수집 시작: {len(symbols)}개 종목 ===")
logger.info(
    f"=== OHLCV 수집 완료: "
    f"성공 {ok}, "
)
logging.warning(f"{{literal}} braces {x}")
logger.critical(f"[CostAnalyzer] {reason}")
logger.info("=" * 80)
print("=== Health ===")
logger.info(b"bytes")
`;
  assert.deepEqual(
    loggedTexts(source).map(({ text, whole }) => [text, whole]),
    [
      ['=== 체크 시작 ===', true],
      ['=== OHLCV 수집 시작: ', false],
      ['=== OHLCV 수집 완료: 성공 ', false],
      ['{literal} braces ', false],
      ['[CostAnalyzer] ', false],
      ['=', true],
    ],
  );
});

test('output fragments: every constant run of logging and print calls, never comments or docstrings', () => {
  const source = `
def _alert():
    """스톱로스 알림 메시지 생성."""
    # P&L 경고 (comment)
    logger.info(f"{symbol} 처리 오류: {e:>{width}} 끝")
    print(f"=== Core: {a}/{b} passed | External: {c} ===")
    logger.warning("킬 스위치 " "활성 중")
`;
  assert.deepEqual(outputFragments(source), [
    ' 처리 오류: ',
    ' 끝',
    '=== Core: ',
    '/',
    ' passed | External: ',
    ' ===',
    '킬 스위치 활성 중',
  ]);
});

test('dataclass fields: declaration order, defaults (field(default_factory) too), skipping docstrings, methods and ClassVar', () => {
  const source = `
@dataclass
class Position:
    """포지션

    여러 줄 docstring: not_a_field: int
    """

    position_id: str
    direction: Direction  # LONG or SHORT

    def __post_init__(self):
        local: int = 1

    units: int
    tags: List[str] = field(default_factory=list)
    marker: int = field()
    kind: ClassVar[str] = "p"
    pnl: Optional[float] = None

    @classmethod
    def from_dict(cls, data):
        return cls(**data)


class Other:
    x: int
`;
  assert.deepEqual(dataclassFields(source, 'Position'), [
    { name: 'position_id', hasDefault: false },
    { name: 'direction', hasDefault: false },
    { name: 'units', hasDefault: false },
    { name: 'tags', hasDefault: true },
    { name: 'marker', hasDefault: false },
    { name: 'pnl', hasDefault: true },
  ]);
  assert.equal(dataclassFields(source, 'Missing'), undefined);
  assert.equal(unknownKeysOf(source, 'Position'), 'crash');
  assert.equal(unknownKeysOf(source, 'Other'), 'crash');
  const filtering = `class Position:
    a: int

    @classmethod
    def from_dict(cls, data):
        known_keys = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known_keys})
`;
  assert.equal(unknownKeysOf(filtering, 'Position'), 'drop');
});

test('imports, own log files and env variables', () => {
  assert.deepEqual(
    importedModules(
      'from src.script_helpers import x\nfrom .utils import y\nimport src.kill_switch\nfrom pathlib import Path\n',
      'src/position_tracker.py',
    ),
    ['src/kill_switch.py', 'src/script_helpers.py', 'src/utils.py'],
  );
  assert.equal(
    ownLogFile('h = logging.handlers.TimedRotatingFileHandler(\n    log_dir / "monitor.log",\n    when="midnight")'),
    'monitor.log',
  );
  assert.equal(ownLogFile('logging.basicConfig(level=logging.INFO, filename="logs/x.log")'), 'x.log');
  assert.equal(ownLogFile('logging.basicConfig(level=logging.INFO)'), undefined);
  assert.deepEqual(envVariablesRead('os.environ.get("TRADING_ENABLED")\nos.getenv("X")\nos.environ["TRADING_ENABLED"]'), [
    'TRADING_ENABLED',
    'X',
  ]);
});

test('release order is numeric: v3.10.0 after v3.9.1', () => {
  assert.deepEqual(['v3.10.0', 'v3.9.1', 'v3.2.0'].sort(compareReleases), ['v3.2.0', 'v3.9.1', 'v3.10.0']);
});

test('catalogue differences: one line per field, lists of records keyed by script / lever, added and removed releases', () => {
  const release = (name: string, finish: string, stops: Release['halt'][number]['stops']): Release => ({
    release: name,
    commit: 'abcdef0',
    date: '2026-03-12',
    recognition: {
      files: { '/app/crontab': 'c60150c' },
      runner: 'supercronic',
      command: ['supercronic', '/app/crontab'],
      user: 'turtle',
      uid: 1000,
    },
    schedule: {
      crontabPath: '/app/crontab',
      crontabCommand: false,
      jobs: [{ schedule: '0 8 * * *', script: 'daily_report.py', log: 'daily_report.log' }],
    },
    logZone: 'Asia/Seoul',
    profiles: [
      { script: 'a.py', startMarker: 'A', finishMarker: 'A done', alwaysSends: false, notifyEvents: [], writesPositions: false },
      { script: 'daily_report.py', startMarker: 'S', finishMarker: finish, alwaysSends: true, notifyEvents: [], writesPositions: false },
    ],
    positions: { required: ['a'], known: ['a'], unknownKeys: 'crash' },
    entries: { required: [], known: [], unknownKeys: 'crash' },
    halt: [{ lever: 'stop-container', stops }],
    guardLines: [],
    verify: { crontabRuns: ['daily_report.py'], crontabDoesNotRun: [], files: [] },
  });
  const source = { repository: 'r', generatedBy: 'g' };
  const committed: Catalogue = {
    source,
    releases: [release('v3.9.0', 'F', ['scheduled-jobs']), release('v3.9.1', 'F', ['scheduled-jobs'])],
  };
  const derived: Catalogue = {
    source,
    releases: [release('v3.9.1', 'F2', ['scheduled-jobs', 'reports']), release('v3.10.0', 'F', ['scheduled-jobs'])],
  };
  assert.deepEqual(catalogueDifferences(committed, derived), [
    'v3.9.0 release: present → (none)',
    'v3.9.1 profiles.daily_report.py.finishMarker: "F" → "F2"',
    'v3.9.1 halt.stop-container.stops: ["scheduled-jobs"] → ["scheduled-jobs","reports"]',
    'v3.10.0 release: (none) → present',
  ]);
  assert.deepEqual(catalogueDifferences(committed, committed), []);
});
