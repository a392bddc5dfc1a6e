// A sidecar-like process for the token test: the Telegram channel (outbox, bot, notifier) with the
// production logger, driven through a session by the parent test via the fake Bot API server.
// Usage: node --import tsx telegram-session-child.ts <apiRoot> <stateDir>; token and chat from env.
// The logger does not scrub here, on purpose: the adapter itself must never hand the token to it.
import { createLogger } from '../../src/adapters/logger.ts';
import { openTelegramChannel } from '../../src/adapters/telegram/channel.ts';
import { telegramFromEnv } from '../../src/config/load-config.ts';
import { awaiting, incident, stateWith } from './telegram-fixtures.ts';

const [apiRoot, stateDir] = process.argv.slice(2);
const env = telegramFromEnv({ tokenEnv: 'SENTINEL_TELEGRAM_TOKEN', chatIdEnv: 'SENTINEL_TELEGRAM_CHAT_ID' }, process.env);
if (env.kind !== 'on') {
  process.stderr.write(`telegram not configured: ${env.kind === 'error' ? env.error : 'off'}\n`);
  process.exit(2);
}
const logger = createLogger({ level: 'debug', secrets: [] });
const opened = openTelegramChannel({
  token: env.token,
  apiRoot,
  chatId: env.chatId,
  allowedUserIds: [111],
  language: 'en',
  timeZone: 'Asia/Seoul',
  dir: stateDir!,
  logger,
  now: () => Date.now(),
  tuning: { pollTimeoutSec: 1, retry: { baseMs: 20, maxMs: 100 }, minIntervalMs: 0, requestTimeoutMs: 200, closeTimeoutMs: 300 },
});
if (!opened.ok) {
  logger.error({ error: opened.error }, 'telegram channel not opened');
  process.exit(2);
}
const channel = opened.channel;
const inc = awaiting();
const bot = channel.startBot({
  submit: async (event) => {
    logger.info({ event }, 'operator event');
    if (event.command.kind === 'approve' && event.by.userId === 111) {
      await channel.notifier.deliver(`decided|${event.command.incidentId}`, {
        kind: 'decision-recorded',
        incident: inc,
        decision: 'approved',
        by: event.by,
      });
    }
  },
  state: () => stateWith([inc]),
  rules: () => [],
  // A careless error that carries the token in a URL, as network errors do.
  reload: async () => {
    throw new Error(`fetch failed: ${apiRoot}/bot${env.token}/getMe`);
  },
});

await channel.notifier.deliver('opened|INC-0001', { kind: 'incident-opened', incident: incident() });
await channel.notifier.deliver('decision|INC-0001', { kind: 'decision-requested', incident: inc, again: false });
await bot.ready;
process.stdout.write('{"child":"ready"}\n');

let tick = 0;
const timer = setInterval(() => {
  tick += 1;
  void channel.notifier.deliver(`tick|${tick}`, { kind: 'source-error', source: `tick-${tick}`, message: 'simulated', count: tick });
  if (tick >= 10) clearInterval(timer);
}, 150);

process.on('SIGTERM', () => {
  clearInterval(timer);
  void channel.close().then(() => {
    process.stdout.write('{"child":"stopped"}\n');
    process.exit(0);
  });
});
