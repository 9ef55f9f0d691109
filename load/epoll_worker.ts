/**
 * The worker thread of the `epoll` transport (see `engine.ts`): it owns non-blocking sockets and
 * an epoll set through libc and runs one synchronous loop, like `wrk`'s, that sends requests,
 * reads and parses responses, measures latency and closes 1 s intervals. It never yields to its
 * event loop, so the main thread steers it through shared memory (users, open-loop rate, stop)
 * and it reports through `postMessage` (intervals, done, stopped, error).
 *
 * The HTTP behaviour is the `socket` transport's: one request in flight per connection, the
 * same response parser, a stale keep-alive connection retried once, timeouts measured from the
 * request's start (open loop: from its due time), connection errors backed off from 10 ms to 1 s.
 *
 * @module
 */

import {
  ChunkedBodyEnd,
  findHeadEnd,
  parseResponseHead,
  type ResponseHead,
} from "./http_connection.ts";
import { type ClosedInterval, IntervalRecorder } from "./interval_recorder.ts";
import {
  epollEventSize,
  errnoMessage,
  Libc,
  type LibcSymbols,
  LINUX,
  socketAddress,
} from "./libc.ts";
import { DueQueue, EARLY_MS } from "./open_loop.ts";
import { nextBackoffMs } from "./reconnect_backoff.ts";
import { ProcessSampler } from "./process_stats.ts";

/** What the main thread sends once, to set the worker up. */
export interface EpollWorkerConfig {
  /** IP literal to connect to. */
  hostname: string;
  /** TCP port. */
  port: number;
  /** Complete request bytes, used round-robin. */
  requests: Uint8Array[];
  /** Per-request timeout, ms. */
  timeoutMs: number;
  /** Most requests to send (`null`: no limit). */
  maxRequests: number | null;
  /** Processes to sample each interval. */
  pids: number[];
  /** Shared control block (layout: `CONTROL`). */
  control: SharedArrayBuffer;
  /** `performance.timeOrigin` of the main thread (times in the control block are its). */
  mainTimeOrigin: number;
}

/** Messages from the worker. */
export type EpollWorkerMessage =
  | { type: "ready" }
  | {
    type: "interval";
    stats: ClosedInterval["stats"];
    histogram: ReturnType<ClosedInterval["histogram"]["toTransfer"]>;
    lastFailure: string | null;
  }
  | { type: "requestsDone" }
  | { type: "stopped"; lastFailure: string | null }
  | { type: "error"; message: string; stack?: string };

/** Layout of the shared control block: Int32 slots, then Float64 slots from byte 32. */
export const CONTROL = {
  bytes: 64,
  /** Int32: 0 waiting for start, 1 running, 2 stop. */
  STATE: 0,
  /** Int32: closed-loop users wanted. */
  USERS: 1,
  /** Int32: 1 once the open loop is started. */
  OPEN_LOOP: 2,
  /** Float64 index (of a Float64Array at byte 32): start time, main thread's clock. */
  START_MS: 0,
  /** Float64 index: stop time, main thread's clock. */
  END_MS: 1,
  /** Float64 index: open-loop rate, requests/s. */
  RATE: 2,
  /** Float64 index: open-loop most connections. */
  MAX_CONNECTIONS: 3,
} as const;

const STATE_WAITING = 0;
const STATE_STOPPING = 2;
const MAX_WAIT_MS = 5;
const BUFFER_BYTES = 16384;
const SCRATCH_BYTES = 65536n;

const CONNECTING = 0;
const WRITING = 1;
const READING = 2;
const IDLE = 3;

const BODY_NONE = 0;
const BODY_LENGTH = 1;
const BODY_CHUNKED = 2;
const BODY_UNTIL_CLOSE = 3;

interface Conn {
  fd: number;
  client: Client;
  state: number;
  /** A response was read on it already (a failure before any byte means the server closed it). */
  reused: boolean;
  written: number;
  got: number;
  headEnd: number;
  body: number;
  remaining: number;
  received: number;
  readonly head: ResponseHead;
  readonly chunked: ChunkedBodyEnd;
  readonly buf: Uint8Array;
}

interface Client {
  conn: Conn | null;
  /** The pending request, or `null` when idle. */
  request: Uint8Array | null;
  /** Clock the pending request counts from. */
  since: number;
  retried: boolean;
  retired: boolean;
  backoff: number;
  /** Asleep after a connection error until then (0: awake). */
  retryAt: number;
  open: boolean;
}

interface WorkerScope {
  postMessage(message: EpollWorkerMessage): void;
  onmessage: ((event: MessageEvent<EpollWorkerConfig>) => void) | null;
}

class EpollLoop {
  readonly #libc: Libc;
  readonly #c: LibcSymbols;
  readonly #cfg: EpollWorkerConfig;
  readonly #post: (m: EpollWorkerMessage) => void;
  readonly #ints: Int32Array;
  readonly #floats: Float64Array;
  readonly #offset: number;
  readonly #address: { family: number; bytes: Uint8Array };
  readonly #ep: number;
  readonly #eventSize = epollEventSize();
  readonly #events: Uint8Array;
  readonly #eventView: DataView;
  readonly #scratch = new Uint8Array(Number(SCRATCH_BYTES));
  readonly #one = new Uint8Array([1, 0, 0, 0]);
  readonly #errBuf = new Uint8Array(4);
  readonly #errLen = new Uint8Array([4, 0, 0, 0]);
  readonly #ev: Uint8Array;
  readonly #evView: DataView;
  readonly #byFd: (Conn | undefined)[] = [];
  readonly #users: Client[] = [];
  readonly #clients = new Set<Client>();
  readonly #sleeping = new Set<Client>();
  readonly #idle: Client[] = [];
  #recorder!: IntervalRecorder;
  #sampler: ProcessSampler | undefined;
  #rr = 0;
  #issued = 0;
  #completed = 0;
  readonly #maxRequests: number;
  #lastFailure: string | null = null;
  #lastTimeoutCheck = 0;
  // open loop
  #open = false;
  #rate = 0;
  #openStart = 0;
  #scheduled = 0;
  readonly #queue = new DueQueue();
  #openClients = 0;
  #busy = 0;
  #maxConnections = 0;

  constructor(cfg: EpollWorkerConfig, post: (m: EpollWorkerMessage) => void) {
    this.#cfg = cfg;
    this.#post = post;
    this.#libc = Libc.open();
    this.#c = this.#libc.symbols;
    this.#ints = new Int32Array(cfg.control, 0, 8);
    this.#floats = new Float64Array(cfg.control, 32, 4);
    this.#offset = cfg.mainTimeOrigin - performance.timeOrigin;
    const address = socketAddress(cfg.hostname, cfg.port);
    if (!address) throw new Error(`Cannot use "${cfg.hostname}" with the epoll transport`);
    this.#address = address;
    this.#maxRequests = cfg.maxRequests ?? Infinity;
    this.#ep = this.#c.epoll_create1(LINUX.EPOLL_CLOEXEC);
    if (this.#ep < 0) throw new Error(`epoll_create1 failed: ${errnoMessage(this.#libc.errno())}`);
    this.#events = new Uint8Array(this.#eventSize * 256);
    this.#eventView = new DataView(this.#events.buffer);
    this.#ev = new Uint8Array(this.#eventSize);
    this.#evView = new DataView(this.#ev.buffer);
    if (cfg.pids.length > 0) this.#sampler = new ProcessSampler(cfg.pids);
  }

  /** Main-thread clock to this thread's `performance.now()`. */
  #local(mainMs: number): number {
    return mainMs + this.#offset;
  }

  run(): void {
    while (Atomics.load(this.#ints, CONTROL.STATE) === STATE_WAITING) {
      Atomics.wait(this.#ints, CONTROL.STATE, STATE_WAITING, 1000);
    }
    if (this.#floats[CONTROL.START_MS] === 0 && this.#stopping()) {
      // Stopped before it was started: nothing to measure.
      this.#c.close(this.#ep);
      this.#libc.close();
      return;
    }
    const sampler = this.#sampler;
    this.#recorder = new IntervalRecorder({
      startMs: this.#local(this.#floats[CONTROL.START_MS]),
      onInterval: (closed) =>
        this.#post({
          type: "interval",
          stats: closed.stats,
          histogram: closed.histogram.toTransfer(),
          lastFailure: this.#lastFailure,
        }),
      sample: sampler ? () => sampler.sample() : undefined,
      users: () => this.#open ? this.#busy + this.#queue.length : this.#users.length,
    });
    try {
      this.#loop();
      this.#recorder.finish(this.#local(this.#floats[CONTROL.END_MS]));
    } finally {
      for (const conn of this.#byFd) if (conn) this.#closeConn(conn);
      this.#c.close(this.#ep);
      this.#libc.close();
    }
  }

  #stopping(): boolean {
    return Atomics.load(this.#ints, CONTROL.STATE) === STATE_STOPPING;
  }

  #loop(): void {
    const c = this.#c;
    const size = this.#eventSize;
    const view = this.#eventView;
    for (;;) {
      if (this.#stopping()) return;
      let now = performance.now();
      this.#control(now);
      if (this.#open) this.#dispatch(now);
      if (now - this.#lastTimeoutCheck >= 5) this.#checkTimeouts(now);
      if (this.#sleeping.size > 0) this.#wake(now);
      this.#recorder.roll(now);
      const n = c.epoll_wait(this.#ep, this.#events, 256, this.#waitMs(now));
      if (n < 0) {
        const errno = this.#libc.errno();
        if (errno === LINUX.EINTR) continue;
        throw new Error(`epoll_wait failed: ${errnoMessage(errno)}`);
      }
      for (let i = 0; i < n; i++) {
        const flags = view.getUint32(i * size, true);
        const fd = view.getInt32(i * size + (size === 12 ? 4 : 8), true);
        const conn = this.#byFd[fd];
        if (conn) this.#onEvent(conn, flags);
      }
      now = performance.now();
      this.#recorder.roll(now);
    }
  }

  /** How long epoll may sleep: until the next due request, interval, wake-up or 5 ms. */
  #waitMs(now: number): number {
    let until = now + MAX_WAIT_MS;
    const boundary = this.#recorder.startMs + (this.#recorder.currentIndex + 1) * 1000;
    if (boundary < until) until = boundary;
    if (this.#open && this.#scheduled < this.#maxRequests) {
      const due = this.#openStart + (this.#scheduled * 1000) / this.#rate - EARLY_MS;
      if (due < until) until = due;
    }
    for (const s of this.#sleeping) if (s.retryAt < until) until = s.retryAt;
    const wait = until - now;
    return wait <= 0 ? 0 : Math.ceil(wait);
  }

  #control(now: number): void {
    if (!this.#open && Atomics.load(this.#ints, CONTROL.OPEN_LOOP) === 1) {
      this.#open = true;
      this.#rate = this.#floats[CONTROL.RATE];
      this.#maxConnections = this.#floats[CONTROL.MAX_CONNECTIONS];
      this.#openStart = now;
    }
    const want = Atomics.load(this.#ints, CONTROL.USERS);
    while (this.#users.length < want) {
      const client = this.#newClient(false);
      this.#users.push(client);
      this.#next(client, now);
    }
    while (this.#users.length > want) {
      const client = this.#users.pop()!;
      client.retired = true;
      if (client.request === null) this.#retire(client);
    }
  }

  #newClient(open: boolean): Client {
    const client: Client = {
      conn: null,
      request: null,
      since: 0,
      retried: false,
      retired: false,
      backoff: 0,
      retryAt: 0,
      open,
    };
    this.#clients.add(client);
    return client;
  }

  #retire(client: Client): void {
    if (client.conn) this.#closeConn(client.conn);
    this.#sleeping.delete(client);
    this.#clients.delete(client);
  }

  #nextRequest(): Uint8Array {
    const r = this.#cfg.requests;
    if (r.length === 1) return r[0];
    const i = this.#rr;
    this.#rr = i + 1 === r.length ? 0 : i + 1;
    return r[i];
  }

  /** A client is free: a user sends its next request; an open-loop client takes a due one. */
  #next(client: Client, now: number): void {
    client.request = null;
    client.since = 0;
    if (client.retired) return this.#retire(client);
    if (client.retryAt > now) {
      this.#sleeping.add(client);
      return;
    }
    if (client.open) {
      const due = this.#queue.take();
      if (due === undefined) {
        this.#idle.push(client);
        return;
      }
      this.#sendOpen(client, due, now);
      return;
    }
    if (this.#issued >= this.#maxRequests) return;
    this.#issued++;
    this.#send(client, this.#nextRequest(), now);
  }

  #wake(now: number): void {
    for (const client of this.#sleeping) {
      if (client.retryAt <= now) {
        this.#sleeping.delete(client);
        client.retryAt = 0;
        this.#next(client, now);
      }
    }
  }

  #send(client: Client, request: Uint8Array, since: number): void {
    client.request = request;
    client.since = since;
    client.retried = false;
    if (client.conn === null) this.#connect(client);
    else this.#write(client.conn);
  }

  #connect(client: Client): void {
    const c = this.#c;
    const fd = c.socket(
      this.#address.family,
      LINUX.SOCK_STREAM | LINUX.SOCK_NONBLOCK | LINUX.SOCK_CLOEXEC,
      0,
    );
    if (fd < 0) return this.#fail(client, "connection", errnoMessage(this.#libc.errno()));
    c.setsockopt(fd, LINUX.IPPROTO_TCP, LINUX.TCP_NODELAY, this.#one, 4);
    const conn: Conn = {
      fd,
      client,
      state: CONNECTING,
      reused: false,
      written: 0,
      got: 0,
      headEnd: -1,
      body: BODY_NONE,
      remaining: 0,
      received: 0,
      head: { status: 0, contentLength: -1, chunked: false, close: false },
      chunked: new ChunkedBodyEnd(),
      buf: new Uint8Array(BUFFER_BYTES),
    };
    client.conn = conn;
    this.#byFd[fd] = conn;
    const r = c.connect(fd, this.#address.bytes, this.#address.bytes.length);
    const errno = r === 0 ? 0 : this.#libc.errno();
    if (r !== 0 && errno !== LINUX.EINPROGRESS) {
      return this.#fail(client, "connection", errnoMessage(errno));
    }
    this.#ctl(LINUX.EPOLL_CTL_ADD, fd, r === 0 ? LINUX.EPOLLIN : LINUX.EPOLLIN | LINUX.EPOLLOUT);
    if (r === 0) this.#write(conn);
  }

  #ctl(op: number, fd: number, events: number): void {
    this.#evView.setUint32(0, events, true);
    this.#evView.setInt32(this.#eventSize === 12 ? 4 : 8, fd, true);
    if (this.#c.epoll_ctl(this.#ep, op, fd, this.#ev) < 0) {
      throw new Error(`epoll_ctl failed: ${errnoMessage(this.#libc.errno())}`);
    }
  }

  #write(conn: Conn): void {
    const request = conn.client.request!;
    if (conn.state !== WRITING) {
      conn.written = 0;
      conn.got = 0;
      conn.headEnd = -1;
      conn.body = BODY_NONE;
      conn.received = 0;
    }
    const wasWriting = conn.state === WRITING;
    const left = request.length - conn.written;
    const n = Number(this.#c.send(
      conn.fd,
      conn.written === 0 ? request : request.subarray(conn.written),
      BigInt(left),
      LINUX.MSG_NOSIGNAL,
    ));
    if (n < 0) {
      const errno = this.#libc.errno();
      if (errno !== LINUX.EAGAIN) return this.#broken(conn, errnoMessage(errno));
    } else {
      conn.written += n;
    }
    if (conn.written === request.length) {
      conn.state = READING;
      if (wasWriting) this.#ctl(LINUX.EPOLL_CTL_MOD, conn.fd, LINUX.EPOLLIN);
    } else if (!wasWriting) {
      conn.state = WRITING;
      this.#ctl(LINUX.EPOLL_CTL_MOD, conn.fd, LINUX.EPOLLIN | LINUX.EPOLLOUT);
    }
  }

  #onEvent(conn: Conn, flags: number): void {
    if (conn.state === CONNECTING) {
      if (!(flags & (LINUX.EPOLLOUT | LINUX.EPOLLERR | LINUX.EPOLLHUP))) return;
      this.#errLen[0] = 4;
      this.#c.getsockopt(conn.fd, LINUX.SOL_SOCKET, LINUX.SO_ERROR, this.#errBuf, this.#errLen);
      const errno = new DataView(this.#errBuf.buffer).getInt32(0, true);
      if (errno !== 0) return this.#fail(conn.client, "connection", errnoMessage(errno));
      this.#ctl(LINUX.EPOLL_CTL_MOD, conn.fd, LINUX.EPOLLIN);
      conn.state = IDLE;
      this.#write(conn);
      return;
    }
    if (conn.state === WRITING) {
      if (flags & (LINUX.EPOLLOUT | LINUX.EPOLLERR | LINUX.EPOLLHUP)) this.#write(conn);
      return;
    }
    if (conn.state !== READING) {
      // Idle keep-alive connection: the server closed it (or sent garbage); drop it.
      if (flags & (LINUX.EPOLLIN | LINUX.EPOLLERR | LINUX.EPOLLHUP)) this.#closeConn(conn);
      return;
    }
    this.#read(conn);
  }

  #read(conn: Conn): void {
    const c = this.#c;
    if (conn.headEnd < 0) {
      const room = conn.buf.length - conn.got;
      const n = Number(
        c.read(conn.fd, conn.got === 0 ? conn.buf : conn.buf.subarray(conn.got), BigInt(room)),
      );
      if (n <= 0) return this.#readFailed(conn, n);
      let searchFrom = conn.got;
      conn.got += n;
      conn.received += n;
      try {
        for (;;) {
          const end = findHeadEnd(conn.buf, conn.got, searchFrom);
          if (end < 0) break;
          parseResponseHead(conn.buf, end, conn.head);
          if (conn.head.status >= 200 || conn.head.status === 101) {
            conn.headEnd = end;
            break;
          }
          conn.buf.copyWithin(0, end, conn.got); // an interim 1xx response
          conn.got -= end;
          searchFrom = 0;
        }
      } catch (error) {
        return this.#broken(conn, (error as Error).message, true);
      }
      if (conn.headEnd < 0) {
        if (conn.got === conn.buf.length) {
          this.#broken(conn, `The response head is larger than ${conn.buf.length} bytes`, true);
        }
        return;
      }
      const head = conn.head;
      if (head.status === 204 || head.status === 304 || head.status === 101) {
        return this.#complete(conn);
      }
      if (head.chunked) {
        conn.body = BODY_CHUNKED;
        conn.chunked.reset();
        let done: boolean;
        try {
          done = conn.chunked.feed(conn.buf, conn.headEnd, conn.got);
        } catch (error) {
          return this.#broken(conn, (error as Error).message, true);
        }
        if (done) this.#complete(conn);
        return;
      }
      if (head.contentLength >= 0) {
        conn.body = BODY_LENGTH;
        conn.remaining = head.contentLength - (conn.got - conn.headEnd);
        if (conn.remaining <= 0) this.#complete(conn);
        return;
      }
      conn.body = BODY_UNTIL_CLOSE;
      head.close = true;
      return;
    }
    const n = Number(c.read(conn.fd, this.#scratch, SCRATCH_BYTES));
    if (n <= 0) {
      if (n === 0 && conn.body === BODY_UNTIL_CLOSE) return this.#complete(conn);
      return this.#readFailed(conn, n);
    }
    conn.received += n;
    if (conn.body === BODY_LENGTH) {
      conn.remaining -= n;
      if (conn.remaining <= 0) this.#complete(conn);
    } else if (conn.body === BODY_CHUNKED) {
      let done: boolean;
      try {
        done = conn.chunked.feed(this.#scratch, 0, n);
      } catch (error) {
        return this.#broken(conn, (error as Error).message, true);
      }
      if (done) this.#complete(conn);
    }
  }

  #readFailed(conn: Conn, n: number): void {
    if (n < 0) {
      const errno = this.#libc.errno();
      if (errno === LINUX.EAGAIN || errno === LINUX.EINTR) return;
      return this.#broken(conn, errnoMessage(errno));
    }
    this.#broken(conn, "The server closed the connection mid-response");
  }

  /**
   * The connection failed while a request was on it. A reused connection that failed before any
   * response byte was closed by the server while idle: the request is sent once more on a new
   * connection.
   */
  #broken(conn: Conn, message: string, protocol = false): void {
    const client = conn.client;
    const stale = !protocol && conn.reused && conn.received === 0 && !client.retried;
    this.#closeConn(conn);
    if (stale && client.request) {
      client.retried = true;
      this.#connect(client);
      return;
    }
    const text = !protocol && conn.received === 0 && conn.reused
      ? `The server closed the connection before answering: ${message}`
      : message;
    this.#fail(client, "connection", text);
  }

  #closeConn(conn: Conn): void {
    if (this.#byFd[conn.fd] !== conn) return;
    this.#byFd[conn.fd] = undefined;
    this.#c.close(conn.fd); // also removes it from the epoll set
    if (conn.client.conn === conn) conn.client.conn = null;
  }

  #complete(conn: Conn): void {
    const client = conn.client;
    const request = client.request!;
    const status = conn.head.status;
    const received = conn.received;
    conn.state = IDLE;
    conn.reused = true;
    client.backoff = 0;
    if (conn.head.close) this.#closeConn(conn);
    const now = performance.now();
    if (this.#stopping()) return;
    if (status >= 200 && status < 300) {
      this.#recorder.success(now - client.since, request.length, received, now);
    } else {
      this.#recorder.failure(`http-${status}`, request.length, received, now);
    }
    if (client.open) this.#busy--;
    this.#completedOne();
    this.#next(client, now);
  }

  #fail(client: Client, kind: "timeout" | "connection", message: string): void {
    if (client.conn) this.#closeConn(client.conn);
    const request = client.request;
    const now = performance.now();
    if (this.#stopping()) return;
    this.#lastFailure = message;
    this.#recorder.failure(kind, request?.length ?? 0, 0, now);
    if (client.open && request) this.#busy--;
    this.#completedOne();
    if (kind === "connection") {
      // A refusing server must not turn users into a busy loop.
      client.backoff = nextBackoffMs(client.backoff);
      client.retryAt = now + client.backoff;
    }
    this.#next(client, now);
  }

  #completedOne(): void {
    this.#completed++;
    if (this.#completed === this.#maxRequests) this.#post({ type: "requestsDone" });
  }

  #checkTimeouts(now: number): void {
    this.#lastTimeoutCheck = now;
    const limit = now - this.#cfg.timeoutMs;
    for (const client of this.#clients) {
      if (client.request !== null && client.since < limit) {
        this.#fail(client, "timeout", "The request timed out");
      }
    }
  }

  // open loop

  #dispatch(now: number): void {
    const gap = 1000 / this.#rate;
    while (this.#scheduled < this.#maxRequests) {
      const due = this.#openStart + this.#scheduled * gap;
      if (due > now + EARLY_MS) break;
      this.#scheduled++;
      const idle = this.#idle.pop();
      if (idle) this.#sendOpen(idle, due, now);
      else this.#queue.push(due);
    }
    // Grow the pool for requests that waited too long (see DueQueue.connectionsToOpen).
    const open = this.#queue.connectionsToOpen(now, this.#openClients, this.#maxConnections);
    for (let k = 0; k < open; k++) {
      this.#openClients++;
      const client = this.#newClient(true);
      const due = this.#queue.take();
      if (due === undefined) this.#idle.push(client);
      else this.#sendOpen(client, due, now);
    }
  }

  #sendOpen(client: Client, due: number, now: number): void {
    this.#issued++;
    this.#busy++;
    // Latency counts from the due time, or from now if it leaves early.
    const from = due < now ? due : now;
    const request = this.#nextRequest();
    if (now - from > this.#cfg.timeoutMs) {
      // It waited for a connection past its timeout.
      client.request = request;
      client.since = from;
      this.#fail(client, "timeout", "The request waited for a connection past its timeout");
      return;
    }
    this.#send(client, request, from);
  }
}

/** Runs the loop for one config; every outcome ends in a `stopped` or `error` message. */
function serve(config: EpollWorkerConfig, post: (m: EpollWorkerMessage) => void): void {
  let loop: EpollLoop;
  try {
    loop = new EpollLoop(config, post);
  } catch (error) {
    post({ type: "error", message: (error as Error).message, stack: (error as Error).stack });
    return;
  }
  post({ type: "ready" });
  try {
    loop.run();
    post({ type: "stopped", lastFailure: null });
  } catch (error) {
    post({ type: "error", message: (error as Error).message, stack: (error as Error).stack });
  }
}

const scope = self as unknown as WorkerScope;
if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  scope.onmessage = (event) => serve(event.data, (m) => scope.postMessage(m));
}
