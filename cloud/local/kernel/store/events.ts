/**
 * The simulation's event queue (the `events` table): events due at a simulated time, run in
 * (due, insertion) order. Inside a transaction the queue is loaded at its first use and written
 * back when the transaction commits: a simulation pops and queues an event or two every
 * simulated minute.
 *
 * @module
 */
import type { SQLInputValue } from "node:sqlite";
import type { StoreSql } from "./sql.ts";

/** A scheduled simulation event. */
export interface SimEvent {
  /** Row id (insertion order breaks ties between events due at the same time). */
  id: number;
  /** Due time, epoch milliseconds of the simulated clock. */
  due: number;
  /** Which handler runs it. */
  kind: string;
  /** What it is about (an endpoint name, a job name...), used to cancel it. */
  ref: string;
  /** Handler data. */
  payload: unknown;
}

/** The events as a store queues and takes them. */
export class EventTable {
  #sql: StoreSql;
  /**
   * The event queue, loaded at its first use in the transaction and written back when it
   * commits.
   */
  #events: EventQueue | undefined;

  constructor(sql: StoreSql) {
    this.#sql = sql;
  }

  /** Adds an event to the simulation queue. */
  schedule(due: number, kind: string, ref: string, payload: unknown = null): void {
    const queue = this.#queue();
    if (queue !== undefined) {
      queue.add(Math.round(due), kind, ref, JSON.stringify(payload));
      return;
    }
    this.#sql.prep("INSERT INTO events (due, kind, ref, payload) VALUES (?, ?, ?, ?)").run(
      Math.round(due),
      kind,
      ref,
      JSON.stringify(payload),
    );
  }

  /** Removes queued events of a kind (and ref, when given); returns how many. */
  cancel(kind: string, ref?: string): number {
    const queue = this.#queue();
    if (queue !== undefined) {
      return queue.remove((e) => e.kind === kind && (ref === undefined || e.ref === ref));
    }
    const result = ref === undefined
      ? this.#sql.prep("DELETE FROM events WHERE kind = ?").run(kind)
      : this.#sql.prep("DELETE FROM events WHERE kind = ? AND ref = ?").run(kind, ref);
    return Number(result.changes);
  }

  /** Lists queued events of a kind (and ref), earliest first. */
  list(kind: string, ref?: string): SimEvent[] {
    const queue = this.#queue();
    if (queue !== undefined) {
      return queue.rows.filter((e) => e.kind === kind && (ref === undefined || e.ref === ref))
        .map(toEvent);
    }
    const rows =
      (ref === undefined
        ? this.#sql.prep("SELECT * FROM events WHERE kind = ? ORDER BY due, id").all(kind)
        : this.#sql.prep("SELECT * FROM events WHERE kind = ? AND ref = ? ORDER BY due, id").all(
          kind,
          ref,
        )) as unknown as EventRow[];
    return rows.map(toEvent);
  }

  /** The earliest event due at or before `upTo`, if any. */
  next(upTo: number): SimEvent | undefined {
    const queue = this.#queue();
    if (queue !== undefined) {
      const first = queue.rows[0];
      return first !== undefined && first.due <= upTo ? toEvent(first) : undefined;
    }
    const row = this.#sql.prep("SELECT * FROM events WHERE due <= ? ORDER BY due, id LIMIT 1")
      .get(upTo) as EventRow | undefined;
    return row === undefined ? undefined : toEvent(row);
  }

  /** Removes one event by id. */
  delete(id: number): void {
    const queue = this.#queue();
    if (queue !== undefined) {
      queue.remove((e) => e.id === id);
      return;
    }
    this.#sql.prep("DELETE FROM events WHERE id = ?").run(id);
  }

  /** Removes and returns the earliest event due at or before `upTo`, if any. */
  takeNext(upTo: number): SimEvent | undefined {
    const queue = this.#queue();
    if (queue !== undefined) {
      const first = queue.rows[0];
      if (first === undefined || first.due > upTo) return undefined;
      queue.shift();
      return toEvent(first);
    }
    const row = this.#sql.prep(
      "DELETE FROM events WHERE id = (SELECT id FROM events WHERE due <= ? ORDER BY due, id LIMIT 1) RETURNING *",
    ).get(upTo) as EventRow | undefined;
    return row === undefined ? undefined : toEvent(row);
  }

  /** The queue as a savepoint starts (undefined when not loaded). */
  snapshot(): EventQueueSnapshot | undefined {
    return this.#events?.snapshot();
  }

  /** Puts back the queue a savepoint started with. */
  restore(snapshot: EventQueueSnapshot | undefined): void {
    this.#events = snapshot?.restore();
  }

  /** Writes the queue to SQLite when the transaction changed it. */
  flush(): void {
    if (!this.#events?.dirty) return;
    this.#sql.writing();
    this.#events.write((sql, ...params) => this.#sql.prep(sql).run(...params));
  }

  /** Drops the queue kept in memory (it is loaded again at its next use). */
  clear(): void {
    this.#events = undefined;
  }

  /** The event queue of the open transaction (loaded at first use), or undefined outside one. */
  #queue(): EventQueue | undefined {
    if (!this.#sql.inTransaction()) return undefined;
    if (this.#events === undefined) {
      const rows = this.#sql.prep("SELECT * FROM events ORDER BY due, id")
        .all() as unknown as EventRow[];
      const seq = this.#sql.prep(
        "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0) AS seq",
      ).get() as { seq: number };
      this.#events = EventQueue.load(rows, seq.seq);
    }
    return this.#events;
  }
}

/** A copy of an {@linkcode EventQueue} taken when a savepoint starts. */
export interface EventQueueSnapshot {
  restore(): EventQueue;
}

/**
 * The event queue of a transaction: the stored events plus what the transaction queued and
 * removed, written back by {@linkcode EventQueue.write}. New events get the ids SQLite's
 * AUTOINCREMENT would give them, so the (due, insertion) order is the same either way.
 */
class EventQueue {
  /** Queued events in (due, id) order. */
  rows: EventRow[];
  /** Ids of the events stored in SQLite. */
  #stored: Set<number>;
  /** The last id given (SQLite's `sqlite_sequence` for the table). */
  #lastId: number;
  /** The last id as stored in `sqlite_sequence`. */
  #storedLastId: number;
  /** Whether the queue differs from what SQLite holds. */
  dirty = false;

  private constructor(rows: EventRow[], stored: Set<number>, lastId: number, storedLastId: number) {
    this.rows = rows;
    this.#stored = stored;
    this.#lastId = lastId;
    this.#storedLastId = storedLastId;
  }

  static load(rows: EventRow[], sequence: number): EventQueue {
    const lastId = rows.reduce((m, r) => Math.max(m, r.id), sequence);
    return new EventQueue(rows, new Set(rows.map((r) => r.id)), lastId, sequence);
  }

  snapshot(): EventQueueSnapshot {
    const rows = [...this.rows];
    const stored = new Set(this.#stored);
    const { dirty } = this;
    const lastId = this.#lastId;
    const storedLastId = this.#storedLastId;
    return {
      restore: () => {
        const queue = new EventQueue(rows, stored, lastId, storedLastId);
        queue.dirty = dirty;
        return queue;
      },
    };
  }

  add(due: number, kind: string, ref: string, payload: string): void {
    const row: EventRow = { id: ++this.#lastId, due, kind, ref, payload };
    // After every event due at the same time or earlier (its id is the largest).
    let i = this.rows.length;
    while (i > 0 && this.rows[i - 1].due > due) i--;
    this.rows.splice(i, 0, row);
    this.dirty = true;
  }

  /** Removes the first event. */
  shift(): void {
    this.rows = this.rows.slice(1);
    this.dirty = true;
  }

  /** Removes the events that `match`; returns how many. */
  remove(match: (row: EventRow) => boolean): number {
    const kept = this.rows.filter((r) => !match(r));
    const removed = this.rows.length - kept.length;
    if (removed > 0) {
      this.rows = kept;
      this.dirty = true;
    }
    return removed;
  }

  /** Makes SQLite hold this queue. */
  write(run: (sql: string, ...params: SQLInputValue[]) => unknown): void {
    const ids = new Set(this.rows.map((r) => r.id));
    for (const id of this.#stored) {
      if (!ids.has(id)) run("DELETE FROM events WHERE id = ?", id);
    }
    for (const r of this.rows) {
      if (this.#stored.has(r.id)) continue;
      run(
        "INSERT INTO events (id, due, kind, ref, payload) VALUES (?, ?, ?, ?, ?)",
        r.id,
        r.due,
        r.kind,
        r.ref,
        r.payload,
      );
    }
    if (this.#lastId > this.#storedLastId) {
      // Ids of events queued and run within the transaction are not given again, as before.
      run(
        "INSERT OR REPLACE INTO sqlite_sequence (rowid, name, seq) VALUES ((SELECT rowid FROM sqlite_sequence WHERE name = 'events'), 'events', ?)",
        this.#lastId,
      );
    }
    this.#stored = ids;
    this.#storedLastId = this.#lastId;
    this.dirty = false;
  }
}

interface EventRow {
  id: number;
  due: number;
  kind: string;
  ref: string;
  payload: string;
}

function toEvent(r: EventRow): SimEvent {
  return { id: r.id, due: r.due, kind: r.kind, ref: r.ref, payload: JSON.parse(r.payload) };
}
