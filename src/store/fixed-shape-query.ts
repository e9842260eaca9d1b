import { createQueryId, type Compilable, type CompiledQuery, type Kysely } from 'kysely';

import type { Database } from './schema.ts';

/** Stands for a parameter while a query's shape is compiled; replaced by the real value per call. */
class Slot {
  constructor(
    readonly name: string,
    readonly index: number | undefined,
  ) {}
}

type Element<T> = T extends readonly (infer E)[] ? E : never;

/**
 * How a builder asks for a parameter: `param('size')` for a single value, `param('types', i)`
 * for the i-th element of an array parameter (a multi-row insert, an IN list).
 */
export interface ParamSlots<P> {
  <K extends keyof P & string>(name: K): P[K];
  <K extends keyof P & string>(name: K, index: number): Element<P[K]>;
}

interface Template {
  sql: string;
  query: CompiledQuery['query'];
  /** Per compiled parameter: the slot it is bound from, or a constant the builder wrote itself (a LIMIT). */
  bindings: (Slot | { constant: unknown })[];
}

/**
 * A hot query whose SQL depends only on its shape (and the dialect), never on its values.
 * Building and compiling it through Kysely costs more main-thread time than SQLite takes to run
 * it, so it is built and compiled once per dialect and shape, with placeholders, and each call only
 * binds its parameters. `shape` distinguishes the variants of one query (how many rows, how long
 * an IN list); the builder receives it.
 */
export class FixedShapeQuery<P extends object, R> {
  // Keyed by the dialect adapter, which a Kysely instance and all its transactions share: the same
  // shape compiles to `?` placeholders on SQLite and `$n` on PostgreSQL.
  private readonly templates = new WeakMap<object, Map<number, Template>>();

  constructor(private readonly build: (db: Kysely<Database>, param: ParamSlots<P>, shape: number) => Compilable<R>) {}

  async execute(db: Kysely<Database>, params: P, shape = 0): Promise<R[]> {
    const template = this.templateFor(db, shape);
    const values = params as Record<string, unknown>;
    const parameters = template.bindings.map((b) => {
      if (!(b instanceof Slot)) return b.constant;
      const value = values[b.name];
      return b.index === undefined ? value : (value as unknown[])[b.index];
    });
    const result = await db.executeQuery<R>({ sql: template.sql, parameters, query: template.query, queryId: createQueryId() });
    return result.rows;
  }

  async executeTakeFirst(db: Kysely<Database>, params: P, shape = 0): Promise<R | undefined> {
    return (await this.execute(db, params, shape))[0];
  }

  private templateFor(db: Kysely<Database>, shape: number): Template {
    const adapter = db.getExecutor().adapter;
    let byShape = this.templates.get(adapter);
    if (!byShape) {
      byShape = new Map();
      this.templates.set(adapter, byShape);
    }
    let template = byShape.get(shape);
    if (!template) {
      template = this.compile(db, shape);
      byShape.set(shape, template);
    }
    return template;
  }

  private compile(db: Kysely<Database>, shape: number): Template {
    const asked: Slot[] = [];
    const param = ((name: string, index?: number) => {
      const slot = new Slot(name, index);
      asked.push(slot);
      return slot;
    }) as ParamSlots<P>;
    const compiled = this.build(db, param, shape).compile();
    const bindings = compiled.parameters.map((p) => (p instanceof Slot ? p : { constant: p }));
    // A slot the compiler inlined into the SQL text (sql.lit, an identifier) would bind nothing.
    const missing = asked.find((slot) => !compiled.parameters.includes(slot));
    if (missing) throw new Error(`query parameter "${missing.name}" is not a bound parameter of: ${compiled.sql}`);
    return { sql: compiled.sql, query: compiled.query, bindings };
  }
}
