// The fake Telegram Bot API server (test/fakes/bot-api-server.ts) as a program of its own, for a container:
// the Bot API on BOT_API_PORT for the sidecar's container on the same network, and a small control
// interface on CONTROL_PORT for the test on the host (published on its loopback only): read the chat,
// press a button or send a message as a user, wait for a callback answer. Only node: modules here, so
// the container runs it with the plain node of the local base image (see e2e-stack.ts: transpiled).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { startBotApiServer, type FakeUser } from '../fakes/bot-api-server.ts';

const token = process.env.BOT_API_TOKEN ?? '';
if (token === '') {
  process.stderr.write('BOT_API_TOKEN is not set\n');
  process.exit(2);
}
const api = await startBotApiServer({ token, host: '0.0.0.0', port: Number(process.env.BOT_API_PORT ?? 8081) });

async function bodyOf(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw.trim() === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const control = createServer((req, res) => {
  void (async () => {
    const url = new URL(req.url ?? '/', 'http://control');
    try {
      switch (`${req.method} ${url.pathname}`) {
        case 'GET /messages':
          // Every message the bot sent, as the chats show them now (edits applied).
          return send(res, 200, api.messages);
        case 'GET /requests':
          // Method and status of every call the bot made (bodies stay here: they are the messages).
          return send(
            res,
            200,
            api.requests.map((r) => ({ method: r.method, status: r.status })),
          );
        case 'GET /clock':
          // sentAt and request times are performance.now() of this process: with its time origin a
          // benchmark on the host turns them into wall-clock times (one kernel clock for every container).
          return send(res, 200, { timeOrigin: performance.timeOrigin, now: performance.now() });
        case 'GET /answers':
          return send(res, 200, api.answers);
        case 'POST /press': {
          const b = await bodyOf(req);
          const id = api.injectCallback({
            from: b.from as FakeUser,
            chatId: Number(b.chatId),
            data: String(b.data),
            ...(typeof b.messageId === 'number' ? { messageId: b.messageId } : {}),
          });
          return send(res, 200, { callbackQueryId: id });
        }
        case 'POST /say': {
          const b = await bodyOf(req);
          const updateId = api.injectMessage({ from: b.from as FakeUser, chatId: Number(b.chatId), text: String(b.text) });
          return send(res, 200, { updateId });
        }
        case 'GET /answer': {
          // Waits (bounded) for the bot to answer a press: the answer is what the operator sees pop up.
          const answer = await api.waitForAnswer(url.searchParams.get('id') ?? '', Number(url.searchParams.get('timeoutMs') ?? 10_000));
          return send(res, 200, answer);
        }
        default:
          return send(res, 404, { error: `no ${req.method} ${url.pathname}` });
      }
    } catch (err) {
      return send(res, 504, { error: err instanceof Error ? err.message : String(err) });
    }
  })();
});
control.listen(Number(process.env.CONTROL_PORT ?? 8082), '0.0.0.0');
process.stdout.write(`bot api on ${api.port}, control on ${process.env.CONTROL_PORT ?? 8082}\n`);

// PID 1 in its container: without a handler SIGTERM would be ignored and `docker stop` would wait its 10 s.
process.on('SIGTERM', () => {
  control.close();
  void api.close().then(() => process.exit(0));
});
