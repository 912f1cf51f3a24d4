// Slack's Socket Mode for the fake: `apps.connections.open` (app-level token) hands out a ws:// URL on
// the fake's own server; the socket says `hello`, carries envelopes
// `{ envelope_id, type, payload, accepts_response_payload, retry_attempt, retry_reason }` and takes
// acks `{ envelope_id, payload }` back. A minimal RFC 6455 server: text, ping/pong and close frames.
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (len >= 126 && len < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

/** Reads complete (client-masked) frames off the front of `buf`. */
function readFrames(buf: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 2) break;
    const opcode = buf[off]! & 0x0f;
    const masked = (buf[off + 1]! & 0x80) !== 0;
    let len = buf[off + 1]! & 0x7f;
    let p = off + 2;
    if (len === 126) {
      if (buf.length < p + 2) break;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (buf.length < p + 8) break;
      len = Number(buf.readBigUInt64BE(p));
      p += 8;
    }
    const maskLen = masked ? 4 : 0;
    if (buf.length < p + maskLen + len) break;
    const mask = masked ? buf.subarray(p, p + 4) : undefined;
    const payload = Buffer.from(buf.subarray(p + maskLen, p + maskLen + len));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
    frames.push({ opcode, payload });
    off = p + maskLen + len;
  }
  return { frames, rest: buf.subarray(off) };
}

export class FakeSocketMode {
  readonly sockets = new Set<Duplex>();
  readonly acks: { envelope_id: string; payload: unknown }[] = [];
  private readonly waiting = new Map<string, (payload: unknown) => void>();
  private readonly tickets = new Set<string>();

  constructor(
    readonly appToken: string,
    private readonly appId = 'A0FAKEAPP',
  ) {}

  /** Answer for apps.connections.open, given the fake's base URL. */
  open(baseUrl: string, token: string | undefined): Record<string, unknown> {
    if (!token) return { ok: false, error: 'not_authed' };
    if (token !== this.appToken) return { ok: false, error: 'invalid_auth' };
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return { ok: true, url: `${baseUrl.replace(/^http/, 'ws').replace(/\/api\/$/, '')}/link/?ticket=${ticket}&app_id=${this.appId}` };
  }

  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex) => this.upgrade(req, socket));
  }

  private upgrade(req: IncomingMessage, socket: Duplex): void {
    const ticket = new URL(req.url ?? '/', 'http://x').searchParams.get('ticket') ?? '';
    const key = req.headers['sec-websocket-key'];
    if (!this.tickets.delete(ticket) || typeof key !== 'string') {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    this.sockets.add(socket);
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const { frames, rest } = readFrames(Buffer.concat([buf, chunk]));
      buf = rest;
      for (const f of frames) this.onFrame(socket, f.opcode, f.payload);
    });
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => this.sockets.delete(socket));
    this.sendJson(socket, { type: 'hello', num_connections: 1, debug_info: { host: 'fake-slack', approximate_connection_time: 3600 }, connection_info: { app_id: this.appId } });
  }

  private onFrame(socket: Duplex, opcode: number, payload: Buffer): void {
    if (opcode === 0x9) socket.write(frame(0xa, payload));
    else if (opcode === 0x8) {
      socket.end(frame(0x8, payload.subarray(0, 2)));
      this.sockets.delete(socket);
    } else if (opcode === 0x1) {
      const msg = JSON.parse(payload.toString('utf8')) as { envelope_id: string; payload: unknown };
      this.acks.push(msg);
      this.waiting.get(msg.envelope_id)?.(msg.payload);
      this.waiting.delete(msg.envelope_id);
    }
  }

  private sendJson(socket: Duplex, body: unknown): void {
    socket.write(frame(0x1, Buffer.from(JSON.stringify(body))));
  }

  /** Sends an envelope to the (first) connected app and resolves with its ack payload. */
  send(type: 'interactive' | 'events_api' | 'slash_commands', payload: unknown, retryAttempt = 0, timeoutMs = 3000): Promise<unknown> {
    const socket = [...this.sockets][0];
    if (!socket) return Promise.reject(new Error('no Socket Mode connection'));
    const envelope_id = randomUUID();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ack within 3 s')), timeoutMs);
      this.waiting.set(envelope_id, (p) => {
        clearTimeout(timer);
        resolve(p);
      });
      this.sendJson(socket, { envelope_id, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: retryAttempt, retry_reason: retryAttempt ? 'timeout' : '' });
    });
  }

  close(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }
}
