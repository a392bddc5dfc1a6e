// Files of the turtle-cron replica image: busybox-sh stand-ins for the Python jobs that write the real
// log lines (reference §2), a `python` shim so the crontab commands run verbatim, and the main process.

/** Shared helpers of the job scripts: the Python logging format and the behaviour switch. */
export const REPLICA_LIB = `# Helpers for the replica job scripts (sourced).
# Log lines in turtle-trading's format: "%(asctime)s - %(name)s - %(levelname)s - %(message)s", on stderr.
log() {
  up=$(cut -d' ' -f1 /proc/uptime)
  printf '%s,%s0 - %s - %s - %s\\n' "$(date '+%Y-%m-%d %H:%M:%S')" "\${up#*.}" "$2" "$1" "$3" >&2
}
# Behaviour of one run: ok | traceback | hang | exit. REPLICA_MODE wins (docker exec); cron strips the
# environment, so scheduled runs read /app/data/.replica/<script>.mode instead.
replica_mode() {
  if [ -n "$REPLICA_MODE" ]; then echo "$REPLICA_MODE"; return; fi
  if [ -r "/app/data/.replica/$1.mode" ]; then cat "/app/data/.replica/$1.mode"; else echo ok; fi
}
open_positions() {
  f=/app/data/positions/positions.json
  if [ -r "$f" ]; then grep -c '"status": "open"' "$f"; else echo 0; fi
}
market_line() {
  # The market-status line shows the true KST clock whatever zone the job runs in (reference §0.3).
  hm=$(TZ=Asia/Seoul date +%H:%M); h=$(TZ=Asia/Seoul date +%H); mi=$(TZ=Asia/Seoul date +%M); dow=$(TZ=Asia/Seoul date +%u)
  m=$(( \${h#0} * 60 + \${mi#0} ))
  if [ "$dow" -ge 6 ]; then echo "한국거래소 (KRX): 휴장 (주말)"
  elif [ "$m" -lt 540 ]; then echo "한국거래소 (KRX): 장전 ($hm, 개장 09:00)"
  elif [ "$m" -lt 930 ]; then echo "한국거래소 (KRX): 장중 ($hm)"
  else echo "한국거래소 (KRX): 장후 ($hm, 마감 15:30)"; fi
}
traceback() {
  cat >&2 <<TB
Traceback (most recent call last):
  File "/app/scripts/$1", line 545, in <module>
    asyncio.run(main())
  File "/usr/local/lib/python3.12/asyncio/runners.py", line 194, in run
    return runner.run(main)
  File "/app/src/position_tracker.py", line 71, in from_dict
    return cls(**data)
TypeError: Position.__init__() got an unexpected keyword argument 'market'
TB
  exit 1
}
`;

/** v3.2.1's job (present, unscheduled, at v3.2.0 too). */
export const CHECK_POSITIONS = `#!/bin/sh
# Replica of scripts/check_positions.py (v3.2.1): the log lines of a real run.
. /usr/local/lib/replica.sh
mode=$(replica_mode check_positions.py)
echo $$ > /app/data/.check_positions.lock
log INFO __main__ '=== 통합 포지션 & 시그널 체크 시작 ==='
log INFO __main__ "$(market_line)"
if [ -n "$TELEGRAM_BOT_TOKEN" ] && [ -n "$TELEGRAM_CHAT_ID" ]; then log INFO __main__ 'Telegram 채널 활성화'; fi
log INFO __main__ '상관그룹 설정 로드: 18개 심볼'
log INFO __main__ "오픈 포지션: $(open_positions)개"
[ "$mode" = traceback ] && traceback check_positions.py
[ "$mode" = hang ] && sleep 3600
# exit: dies with status 1 and no traceback (only the runner's exit status tells).
[ "$mode" = exit ] && exit 1
log INFO __main__ '신규 시그널 없음'
log INFO __main__ "리스크 요약: {'total_n_exposure': 0.0, 'long_units': 0, 'short_units': 0, 'positions_count': $(open_positions)}"
log INFO __main__ '=== 체크 완료 ==='
`;

/** v3.2.0's job, deleted in ace20b7. */
export const SIGNAL_CHECK = `#!/bin/sh
# Replica of scripts/signal_check.py (v3.2.0): deprecated warning, cache writes, its own markers.
. /usr/local/lib/replica.sh
mode=$(replica_mode signal_check.py)
log WARNING __main__ '⚠️ 이 스크립트는 deprecated입니다. scripts/check_positions.py를 사용하세요.'
log INFO __main__ '=== 터틀 트레이딩 시그널 체크 시작 ==='
if [ -n "$TELEGRAM_BOT_TOKEN" ] && [ -n "$TELEGRAM_CHAT_ID" ]; then log INFO __main__ 'Telegram 채널 추가'; fi
log INFO __main__ '대상 종목: 8개'
mkdir -p /app/data/cache
for s in SPY QQQ; do
  : > /app/data/cache/\${s}_ohlcv.parquet
  log INFO src.data_store "OHLCV 저장: $s -> data/cache/\${s}_ohlcv.parquet"
done
[ "$mode" = traceback ] && traceback signal_check.py
[ "$mode" = hang ] && sleep 3600
log INFO __main__ '오늘 발생한 시그널 없음'
log INFO __main__ '=== 시그널 체크 완료 ==='
`;

/** Both versions, 08:00 daily. */
export const DAILY_REPORT = `#!/bin/sh
# Replica of scripts/daily_report.py: the one job that always sends (when the channel is configured).
. /usr/local/lib/replica.sh
mode=$(replica_mode daily_report.py)
log INFO __main__ '=== 일일 리포트 생성 시작 ==='
log INFO __main__ "리포트 데이터: {'날짜': '$(date +%Y-%m-%d)', '오픈 포지션': $(open_positions)}"
[ "$mode" = traceback ] && traceback daily_report.py
[ "$mode" = hang ] && sleep 3600
if [ -n "$TELEGRAM_BOT_TOKEN" ] && [ -n "$TELEGRAM_CHAT_ID" ]; then log INFO src.notifier 'Telegram 전송 성공: 일일 리포트'; fi
log INFO src.data_store '오래된 캐시 삭제: 0개 파일'
log INFO __main__ '=== 일일 리포트 완료 ==='
`;

/**
 * `python script.py` runs the shell stand-in, so crontab lines stay exactly as in the real crontab.
 * Debian cron hands jobs neither the container's environment nor its TZ (reference §0.3); busybox
 * crond would, so the replica starts crond with a bare environment and jobs it spawns drop TZ here:
 * their log stamps are UTC and they see no Telegram variables, as in the real container, while
 * manual `docker exec` runs keep KST and the env_file variables.
 */
export const PYTHON_SHIM = `#!/bin/sh
if [ "$REPLICA_STRIP_TZ" = 1 ]; then unset TZ REPLICA_STRIP_TZ; fi
exec /bin/sh "$@"
`;

/** The real crontab says SHELL=/bin/bash; busybox has no bash, so bash is its sh. */
export const BASH_SHIM = `#!/bin/sh
exec /bin/sh "$@"
`;

/**
 * PID 1: waits forever and exits at once on SIGTERM (so `stop` takes no 10 s). With REPLICA_CROND=1
 * it also runs busybox crond in the foreground of a child, so the crontab really fires.
 */
export const REPLICA_MAIN = `#!/bin/sh
trap 'exit 0' TERM INT
if [ "\${REPLICA_CROND:-0}" = 1 ]; then
  # The daemon matches times in the container zone (TZ), like Debian cron; its jobs get a bare env.
  env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root LOGNAME=root SHELL=/bin/sh TZ="\${TZ:-UTC}" REPLICA_STRIP_TZ=1 \\
    crond -f -l 8 -c /var/spool/cron/crontabs &
fi
while :; do sleep 3600 & wait $!; done
`;

/** What the broken dashboard prints before exiting (app.py is not in the image at 238760b/203bcee). */
export const DASHBOARD_CRASH = `echo 'Usage: streamlit run [OPTIONS] TARGET [ARGS]...' >&2; echo "Error: Invalid value: File does not exist: app.py" >&2; exit 2`;

export const PASSWD = 'root:x:0:0:root:/root:/bin/sh\n';
export const GROUP = 'root:x:0:\n';

// ---------------------------------------------------------------------------------------------
// The supercronic release (v3.4.0+): supercronic as PID 1 behind /app/entrypoint.sh, USER 1000, no
// `crontab` binary, jobs that get the container's environment (KST stamps), supercronic's own lines.

/**
 * Replica of supercronic v0.2.43 as PID 1: reads the crontab named last on its command line, exports
 * its `VAR=value` lines to the jobs, runs each job through /bin/sh at its fire times and prints
 * logrus text lines on stdout (reference §4): start, relayed output (`channel=stderr`, stdout and
 * stderr merged), `job succeeded` / `error running command: exit status N`, and `not starting: job is
 * still running since …` when the previous run of the same line still runs.
 * Replica simplification: only schedules whose calendar fields are all `*` fire: 6 fields with
 * leading seconds (`*\/N * * * * *`, as the sidecar's parser reads them) or every N minutes
 * (`*\/N * * * *`, `* * * * *`). Calendar schedules are read and never fire, so a test decides.
 */
export const SUPERCRONIC_SHIM = `#!/bin/sh
trap 'exit 0' TERM INT
crontab=""
for a in "$@"; do case "$a" in -*) ;; *) crontab="$a" ;; esac; done
stamp() { date '+%Y-%m-%dT%H:%M:%S%z' | sed 's/\\([0-9][0-9]\\)$/:\\1/'; }
q() { printf '%s' "$1" | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g'; }
state=/tmp/.supercronic
mkdir -p "$state"
if [ ! -r "$crontab" ]; then
  echo "time=\\"$(stamp)\\" level=fatal msg=\\"$(q "$crontab: no such file or directory")\\""
  exit 1
fi
echo "time=\\"$(stamp)\\" level=warning msg=\\"process reaping disabled, not pid 1\\""
echo "time=\\"$(stamp)\\" level=info msg=\\"read crontab: $crontab\\""
echo "time=\\"$(stamp)\\" level=info msg=\\"processes will be spawned using shell: /bin/sh\\""
grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$crontab" | sed 's/^/export /' > "$state/env"
grep -vE '^[[:space:]]*(#|$)' "$crontab" | grep -vE '^[A-Za-z_][A-Za-z0-9_]*=' > "$state/jobs"

# Prints "<schedule>\\t<command>" when the line fires at epoch second $2.
due() {
  line=$1; t=$2
  set -f; set -- $line; set +f
  if printf '%s' "$6" | grep -qE '^[0-9*,/-]+$'; then
    [ "$2$3$4$5$6" = '*****' ] || return 1
    case "$1" in '*') ;; '*/'*) [ $((t % \${1#*/})) -eq 0 ] || return 1 ;; *) return 1 ;; esac
    n=6
  else
    [ "$2$3$4$5" = '****' ] || return 1
    [ $((t % 60)) -eq 0 ] || return 1
    case "$1" in '*') ;; '*/'*) [ $((t / 60 % \${1#*/})) -eq 0 ] || return 1 ;; *) return 1 ;; esac
    n=5
  fi
  sched=$(printf '%s\\n' "$line" | awk -v n=$n '{ s = $1; for (i = 2; i <= n; i++) s = s " " $i; print s }')
  cmd=$(printf '%s\\n' "$line" | sed -E "s/^[[:space:]]*([^[:space:]]+[[:space:]]+){$n}//")
  printf '%s\\t%s\\n' "$sched" "$cmd"
}

fire() {
  pos=$1; sched=$2; cmd=$3
  it=$(cat "$state/$pos.iter" 2>/dev/null || echo 0)
  fields="iteration=$it job.command=\\"$(q "$cmd")\\" job.position=$pos job.schedule=\\"$(q "$sched")\\""
  if [ -f "$state/$pos.pid" ] && kill -0 "$(cat "$state/$pos.pid")" 2>/dev/null; then
    since=$(cat "$state/$pos.since")
    echo "time=\\"$(stamp)\\" level=warning msg=\\"not starting: job is still running since $since ($(( $(date +%s) - $(cat "$state/$pos.t0") ))s elapsed)\\" $fields"
    return
  fi
  echo $((it + 1)) > "$state/$pos.iter"
  date '+%Y-%m-%d %H:%M:%S %z %Z' > "$state/$pos.since"
  date +%s > "$state/$pos.t0"
  echo "time=\\"$(stamp)\\" level=info msg=starting $fields"
  (
    { . "$state/env"; /bin/sh -c "$cmd" 2>&1; echo $? > "$state/$pos.rc"; } | while IFS= read -r out; do
      echo "time=\\"$(stamp)\\" level=info msg=\\"$(q "$out")\\" channel=stderr $fields"
    done
    rc=$(cat "$state/$pos.rc")
    if [ "$rc" = 0 ]; then echo "time=\\"$(stamp)\\" level=info msg=\\"job succeeded\\" $fields"
    else echo "time=\\"$(stamp)\\" level=error msg=\\"error running command: exit status $rc\\" $fields"; fi
    rm -f "$state/$pos.pid"
  ) < /dev/null &
  echo $! > "$state/$pos.pid"
}

last=$(date +%s)
while :; do
  now=$(date +%s)
  while [ "$last" -lt "$now" ]; do
    last=$((last + 1))
    pos=0
    while IFS= read -r line; do
      hit=$(due "$line" "$last") && fire "$pos" "$(printf '%s' "$hit" | cut -f1)" "$(printf '%s' "$hit" | cut -f2-)"
      pos=$((pos + 1))
    done < "$state/jobs"
  done
  sleep 1 & wait $!
done
`;

/** `HEAD:entrypoint.sh`: refuse to start when the bind mounts are not writable, then run the command. */
export const ENTRYPOINT = `#!/bin/sh
set -e
for dir in /app/data /app/logs; do
  if [ ! -w "$dir" ]; then
    echo "FATAL: $dir is not writable by $(whoami 2>/dev/null || id -un) (UID $(id -u))" >&2
    echo "Fix: sudo chown -R $(id -u):$(id -g) $dir" >&2
    exit 1
  fi
done
exec "$@"
`;

/**
 * Replica of scripts/monitor_positions.py (v3.6.0+): no \`>>\` in the crontab, it writes its own
 * logs/monitor.log (TimedRotatingFileHandler) and its stderr is relayed by supercronic.
 */
export const MONITOR_POSITIONS = `#!/bin/sh
. /usr/local/lib/replica.sh
mode=$(replica_mode monitor_positions.py)
mlog() { line=$(log "$1" "$2" "$3" 2>&1); printf '%s\\n' "$line" >> /app/logs/monitor.log; printf '%s\\n' "$line" >&2; }
mlog INFO __main__ '=== 포지션 장중 모니터링 시작 ==='
if [ -n "$TELEGRAM_BOT_TOKEN" ] && [ -n "$TELEGRAM_CHAT_ID" ]; then mlog INFO src.script_helpers 'Telegram 채널 활성화'; fi
mlog INFO __main__ "모니터링 시작: $(open_positions)개 포지션"
[ "$mode" = traceback ] && { traceback monitor_positions.py 2>&1 | tee -a /app/logs/monitor.log >&2; exit 1; }
[ "$mode" = hang ] && sleep 3600
[ "$mode" = exit ] && exit 1
mlog INFO __main__ '모니터링 완료'
`;

/** v3.9.x writes \`entry_reason\` (null by default) into every position record. */
export const POSITIONS_WITH_ENTRY_REASON = `[
  {
    "position_id": "005930.KS_1_LONG_20260305_160041",
    "symbol": "005930.KS",
    "system": 1,
    "direction": "LONG",
    "entry_date": "2026-03-05",
    "entry_price": 71200.0,
    "entry_n": 1450.0,
    "units": 1,
    "max_units": 4,
    "shares_per_unit": 7,
    "total_shares": 7,
    "stop_loss": 68300.0,
    "pyramid_level": 0,
    "exit_period": 10,
    "status": "open",
    "last_update": "2026-03-05T16:00:41.204118",
    "entry_reason": null
  }
]
`;

export const PASSWD_TURTLE = 'root:x:0:0:root:/root:/bin/sh\nturtle:x:1000:1000:turtle:/home/turtle:/bin/sh\n';
export const GROUP_TURTLE = 'root:x:0:\nturtle:x:1000:\n';
