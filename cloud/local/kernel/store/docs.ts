/**
 * The documents of the store (the `docs` table): JSON documents by kind and id. Inside a
 * transaction, what it reads and writes is kept in memory ({@linkcode DocMemory}) and written to
 * SQLite when the transaction commits (or when many are pending); a savepoint that fails puts
 * back what it changed.
 *
 * @module
 */
import type { StoreSql } from "./sql.ts";

/** One stored document. */
export interface StoredDoc<T> {
  /** Its id within its kind. */
  id: string;
  /** The document. */
  doc: T;
}

/** What a savepoint keeps of the documents: what the transaction's memory held before it. */
export type DocJournal = Map<string, DocEntry | undefined>;

/** Statements run both inside and outside a transaction's memory. */
const UPSERT_DOC =
  "INSERT INTO docs (kind, id, doc) VALUES (?, ?, ?) ON CONFLICT(kind, id) DO UPDATE SET doc = excluded.doc";
const DELETE_DOC = "DELETE FROM docs WHERE kind = ? AND id = ?";

/** How many written documents a transaction keeps before it writes them to SQLite. */
const DIRTY_DOC_LIMIT = 1024;

/** How many documents a transaction remembers at most (it starts afresh past that). */
const DOC_MEMORY_LIMIT = 256;

/** The documents as a store reads and writes them. */
export class DocTable {
  #sql: StoreSql;
  /** The innermost open savepoint's journal, if any. */
  #journal: () => DocJournal | undefined;
  /**
   * Documents as read or written in the transaction: a document read again (an Advanced job's
   * record every tick) costs no query, a write that changes nothing costs nothing, and written
   * documents reach SQLite when the transaction commits (or when many are pending).
   */
  #docs = new DocMemory();

  constructor(sql: StoreSql, journal: () => DocJournal | undefined) {
    this.#sql = sql;
    this.#journal = journal;
  }

  /** Reads a document. */
  get<T>(kind: string, id: string): T | undefined {
    const json = this.#docJson(kind, id, docKey(kind, id));
    return json === null ? undefined : JSON.parse(json) as T;
  }

  /** Writes (creates or replaces) a document. */
  put(kind: string, id: string, doc: unknown): void {
    const json = JSON.stringify(doc);
    if (!this.#sql.inTransaction()) {
      this.#sql.prep(UPSERT_DOC).run(kind, id, json);
      return;
    }
    const key = docKey(kind, id);
    if (this.#docs.get(key)?.json === json) return; // unchanged
    this.#setDoc(kind, id, key, json);
  }

  /** Deletes a document; true when it existed. */
  delete(kind: string, id: string): boolean {
    if (!this.#sql.inTransaction()) {
      return Number(this.#sql.prep(DELETE_DOC).run(kind, id).changes) > 0;
    }
    const key = docKey(kind, id);
    if (this.#docJson(kind, id, key) === null) return false;
    this.#setDoc(kind, id, key, null);
    return true;
  }

  /** The documents of a kind in id order, optionally only ids starting with `prefix`. */
  list<T>(kind: string, prefix = ""): StoredDoc<T>[] {
    return this.#listJson(kind, prefix).map((r) => ({ id: r.id, doc: JSON.parse(r.json) as T }));
  }

  /** A deeply frozen document, the same object while it does not change in the transaction. */
  peek<T>(kind: string, id: string): Readonly<T> | undefined {
    const key = docKey(kind, id);
    const json = this.#docJson(kind, id, key);
    if (json === null) return undefined;
    return this.#frozen(kind, id, key, json) as Readonly<T>;
  }

  /** {@linkcode DocTable.list} as deeply frozen documents (see {@linkcode DocTable.peek}). */
  peekList<T>(kind: string, prefix = ""): StoredDoc<Readonly<T>>[] {
    return this.#listJson(kind, prefix).map((r) => ({
      id: r.id,
      doc: this.#frozen(kind, r.id, docKey(kind, r.id), r.json) as Readonly<T>,
    }));
  }

  /** Writes the documents written in the transaction to SQLite. */
  flush(): void {
    if (this.#docs.dirtyCount === 0) return;
    this.#sql.writing();
    this.#docs.flush(this.#journal(), (entry) => {
      if (entry.json === null) {
        this.#sql.prep(DELETE_DOC).run(entry.kind, entry.id);
      } else {
        this.#sql.prep(UPSERT_DOC).run(entry.kind, entry.id, entry.json);
      }
    });
  }

  /** Puts back what a savepoint changed (see {@linkcode DocMemory.restore}). */
  restore(journal: DocJournal, sqliteRolledBack: boolean): void {
    this.#docs.restore(journal, sqliteRolledBack);
  }

  /** Drops what the transaction kept in memory. */
  clear(): void {
    this.#docs.clear();
  }

  /** Changes a document in the transaction's memory (the innermost savepoint notes the change). */
  #setDoc(kind: string, id: string, key: string, json: string | null): void {
    this.#docs.set(key, { kind, id, json, dirty: true }, this.#journal());
    if (this.#docs.dirtyCount > DIRTY_DOC_LIMIT) this.flush();
  }

  /** The stored JSON of a document (null: none), read from the transaction's memory or SQLite. */
  #docJson(kind: string, id: string, key: string): string | null {
    const inTx = this.#sql.inTransaction();
    const known = inTx ? this.#docs.get(key) : undefined;
    if (known !== undefined) return known.json;
    const row = this.#sql.prep("SELECT doc FROM docs WHERE kind = ? AND id = ?").get(kind, id) as
      | { doc: string }
      | undefined;
    const json = row?.doc ?? null;
    if (inTx) this.#docs.remember({ kind, id, json, dirty: false }, key);
    return json;
  }

  /** The frozen parse of a document's JSON, kept with the transaction's memory of it. */
  #frozen(kind: string, id: string, key: string, json: string): unknown {
    if (!this.#sql.inTransaction()) return deepFreeze(JSON.parse(json));
    const entry = this.#docs.get(key);
    if (entry?.json === json) return entry.frozen ??= deepFreeze(JSON.parse(json));
    const frozen = deepFreeze(JSON.parse(json));
    if (entry === undefined) this.#docs.remember({ kind, id, json, dirty: false, frozen }, key);
    return frozen;
  }

  /** The JSON of a kind's documents in id order: SQLite's, with the transaction's writes over it. */
  #listJson(kind: string, prefix: string): readonly { id: string; json: string }[] {
    if (!this.#sql.inTransaction()) return this.#readListJson(kind, prefix);
    // Listed again while no document of the kind changed: the same list.
    let list = this.#docs.list(kind, prefix);
    if (list === undefined) {
      list = this.#readListJson(kind, prefix);
      this.#docs.setList(kind, prefix, list);
    }
    return list;
  }

  #readListJson(kind: string, prefix: string): { id: string; json: string }[] {
    const rows = this.#sql.prep(
      "SELECT id, doc FROM docs WHERE kind = ? AND substr(id, 1, ?) = ? ORDER BY id",
    ).all(kind, prefix.length, prefix) as { id: string; doc: string }[];
    const written = this.#sql.inTransaction() ? this.#docs.written(kind, prefix) : undefined;
    if (written === undefined) return rows.map((r) => ({ id: r.id, json: r.doc }));
    const merged = new Map<string, string | null>();
    for (const r of rows) merged.set(r.id, r.doc);
    let added = false;
    for (const entry of written) {
      if (!merged.has(entry.id)) added = true;
      merged.set(entry.id, entry.json);
    }
    const ids = [...merged.keys()];
    if (added) ids.sort(compareIds);
    const out: { id: string; json: string }[] = [];
    for (const id of ids) {
      const json = merged.get(id)!;
      if (json !== null) out.push({ id, json });
    }
    return out;
  }
}

/** A document in a transaction's memory. */
export interface DocEntry {
  kind: string;
  id: string;
  /** Its JSON; null when there is no such document. */
  json: string | null;
  /** Written in the transaction and not yet in SQLite. */
  dirty: boolean;
  /** `json` parsed and deeply frozen, once a reader peeked at it. */
  frozen?: unknown;
}

/**
 * The documents a transaction read or wrote: written ones until they go to SQLite, and up to
 * {@linkcode DOC_MEMORY_LIMIT} read ones.
 */
class DocMemory {
  #entries = new Map<string, DocEntry>();
  /** Written documents by kind and id. */
  #dirty = new Map<string, Map<string, DocEntry>>();
  dirtyCount = 0;
  /** Lists of documents by kind and id prefix, dropped when a document of the kind changes. */
  #lists = new Map<string, Map<string, readonly { id: string; json: string }[]>>();

  list(kind: string, prefix: string): readonly { id: string; json: string }[] | undefined {
    return this.#lists.get(kind)?.get(prefix);
  }

  setList(kind: string, prefix: string, list: readonly { id: string; json: string }[]): void {
    let byPrefix = this.#lists.get(kind);
    if (byPrefix === undefined) {
      byPrefix = new Map();
      this.#lists.set(kind, byPrefix);
    }
    byPrefix.set(prefix, list);
  }

  get(key: string): DocEntry | undefined {
    return this.#entries.get(key);
  }

  /** Remembers a document as SQLite holds it (dropping read ones past the limit). */
  remember(entry: DocEntry, key: string): void {
    if (this.#entries.size - this.dirtyCount >= DOC_MEMORY_LIMIT) {
      for (const [k, e] of this.#entries) if (!e.dirty) this.#entries.delete(k);
    }
    this.#put(key, entry);
  }

  /** Changes a document; `journal` (the innermost savepoint's) keeps what it replaces. */
  set(key: string, entry: DocEntry, journal: Map<string, DocEntry | undefined> | undefined): void {
    if (journal !== undefined && !journal.has(key)) journal.set(key, this.#entries.get(key));
    this.#put(key, entry);
    this.#lists.delete(entry.kind);
  }

  #put(key: string, entry: DocEntry | undefined): void {
    const before = this.#entries.get(key);
    if (before?.dirty) {
      this.#dirty.get(before.kind)!.delete(before.id);
      this.dirtyCount--;
    }
    if (entry === undefined) {
      this.#entries.delete(key);
      return;
    }
    this.#entries.set(key, entry);
    if (entry.dirty) {
      let byId = this.#dirty.get(entry.kind);
      if (byId === undefined) {
        byId = new Map();
        this.#dirty.set(entry.kind, byId);
      }
      byId.set(entry.id, entry);
      this.dirtyCount++;
    }
  }

  /** Written documents of a kind whose ids start with `prefix`, or undefined when none. */
  written(kind: string, prefix: string): DocEntry[] | undefined {
    const byId = this.#dirty.get(kind);
    if (byId === undefined || byId.size === 0) return undefined;
    const out: DocEntry[] = [];
    for (const entry of byId.values()) if (entry.id.startsWith(prefix)) out.push(entry);
    return out.length === 0 ? undefined : out;
  }

  /**
   * Hands every written document to `write` and marks it stored; `journal` (the innermost
   * savepoint's, if any) keeps it as written, so that a rollback of that savepoint, which undoes
   * these SQLite writes, makes it pending again.
   */
  flush(
    journal: Map<string, DocEntry | undefined> | undefined,
    write: (entry: DocEntry) => void,
  ): void {
    for (const byId of this.#dirty.values()) {
      for (const entry of byId.values()) {
        write(entry);
        const key = docKey(entry.kind, entry.id);
        if (journal !== undefined && !journal.has(key)) journal.set(key, entry);
        this.#entries.set(key, { ...entry, dirty: false });
      }
    }
    this.#dirty.clear();
    this.dirtyCount = 0;
  }

  /**
   * Puts back what a savepoint changed. When SQLite rolled back too, documents read in the
   * meantime may have been read from writes it undid: they are forgotten.
   */
  restore(journal: Map<string, DocEntry | undefined>, sqliteRolledBack: boolean): void {
    if (journal.size > 0 || sqliteRolledBack) this.#lists.clear();
    for (const [key, prior] of journal) this.#put(key, prior);
    if (!sqliteRolledBack) return;
    for (const [key, entry] of this.#entries) {
      if (!entry.dirty && !journal.has(key)) this.#entries.delete(key);
    }
  }

  clear(): void {
    this.#lists.clear();
    if (this.#entries.size === 0) return;
    this.#entries.clear();
    this.#dirty.clear();
    this.dirtyCount = 0;
  }
}

/** Freezes a parsed JSON value and everything in it. */
function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * SQLite's order of ids (BINARY: UTF-8 bytes, i.e. code points), which differs from
 * JavaScript's UTF-16 order only for characters beyond U+FFFF.
 */
function compareIds(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codeUnitRank(x) - codeUnitRank(y);
  }
  return a.length - b.length;
}

/** Surrogates (characters beyond U+FFFF) rank after U+E000–U+FFFF, as their code points do. */
function codeUnitRank(c: number): number {
  return c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c;
}

function docKey(kind: string, id: string): string {
  return `${kind}\u0000${id}`;
}
