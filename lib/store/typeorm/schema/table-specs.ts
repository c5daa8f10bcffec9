/**
 * The store's tables as data: the version 1 migration writes its DDL from
 * these, and {@link schedulerEntities} describes the same tables to TypeORM,
 * so that the two cannot drift apart (a test compares them on every dialect).
 * A later schema change adds a migration with its own DDL and updates these
 * specs; the version 1 DDL must then be frozen as literal text first.
 */

/**
 * Logical column types; each dialect maps them (see ddl.ts and entities.ts).
 * `payload` holds up to 64 MiB (LONGTEXT on MySQL); `mediumtext` error texts and histories.
 */
export type ColumnKind =
  | 'id'
  | 'name'
  | 'short'
  | 'text'
  | 'payload'
  | 'mediumtext'
  | 'bigint'
  | 'int'
  | 'smallint'
  | 'bool'
  | 'seq';

/** One column: its name, logical type and whether it takes NULL. */
export interface ColumnSpec {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly nullable?: boolean;
}

/**
 * An index. `phase` makes it partial on PostgreSQL and SQLite (`WHERE phase = n`: only the rows of
 * that phase are indexed, so a task leaves the claim index when it is claimed and never comes back);
 * MySQL has no partial indexes and gets `phase` as the leading column instead. `notNull` does the
 * same for a nullable column (MySQL indexes every row).
 */
export interface IndexSpec {
  readonly name: string;
  readonly columns: readonly string[];
  readonly unique?: boolean;
  /** Columns sorted descending. */
  readonly descending?: readonly string[];
  readonly phase?: Phase;
  readonly notNull?: string;
  /** Only where the dialect needs it: MySQL's AUTO_INCREMENT column must lead a key, SQLite reads MAX(seq). */
  readonly only?: readonly ('postgres' | 'mysql' | 'sqlite')[];
}

/** One table: its columns, primary key and indexes. */
export interface TableSpec {
  readonly table: 'tasks' | 'schedules' | 'queues' | 'migrations';
  readonly columns: readonly ColumnSpec[];
  readonly primary: string;
  readonly indexes: readonly IndexSpec[];
}

/**
 * Where a task is in its life, kept beside its status so that the hot queries are plain index
 * ranges: waiting tasks (pending, retrying) for claims, running ones for leases, finished ones for
 * retention.
 */
export type Phase = 0 | 1 | 2;
/** Pending or retrying. */
export const WAITING: Phase = 0;
/** Running (leased). */
export const RUNNING: Phase = 1;
/** Completed, failed or cancelled. */
export const FINISHED: Phase = 2;

const nullable = (name: string, kind: ColumnKind): ColumnSpec => ({ name, kind, nullable: true });
const column = (name: string, kind: ColumnKind): ColumnSpec => ({ name, kind });

/** Tasks: one row per run. */
export const TASKS_TABLE: TableSpec = {
  table: 'tasks',
  primary: 'id',
  columns: [
    column('id', 'id'),
    column('seq', 'seq'),
    column('name', 'name'),
    column('queue', 'name'),
    column('status', 'short'),
    column('phase', 'smallint'),
    column('payload', 'payload'),
    column('priority', 'int'),
    nullable('schedule_id', 'id'),
    column('created_at', 'bigint'),
    column('scheduled_at', 'bigint'),
    nullable('started_at', 'bigint'),
    nullable('completed_at', 'bigint'),
    nullable('error', 'mediumtext'),
    column('attempts', 'int'),
    column('retry_count', 'int'),
    column('max_retries', 'int'),
    nullable('timeout_ms', 'bigint'),
    nullable('node_id', 'id'),
    nullable('locked_by', 'id'),
    nullable('locked_until', 'bigint'),
    column('history', 'mediumtext'),
    column('history_len', 'smallint'),
    column('version', 'int'),
    column('updated_at', 'bigint'),
  ],
  indexes: [
    { name: 'seq', columns: ['seq'], unique: true, only: ['mysql', 'sqlite'] },
    {
      name: 'claim',
      columns: ['queue', 'priority', 'scheduled_at', 'seq'],
      descending: ['priority'],
      phase: WAITING,
    },
    { name: 'due', columns: ['queue', 'scheduled_at'], phase: WAITING },
    { name: 'lease', columns: ['locked_until'], phase: RUNNING },
    { name: 'finished', columns: ['completed_at'], phase: FINISHED },
    // Listings, newest first: a filter on one value reads its page straight off the index.
    { name: 'created', columns: ['created_at', 'seq'] },
    { name: 'status', columns: ['status', 'created_at', 'seq'] },
    { name: 'queue', columns: ['queue', 'created_at', 'seq'] },
    { name: 'name', columns: ['name', 'created_at', 'seq'] },
    { name: 'schedule', columns: ['schedule_id'], notNull: 'schedule_id' },
  ],
};

/** Schedules: every field of a ScheduleRecord in a column of its own. */
export const SCHEDULES_TABLE: TableSpec = {
  table: 'schedules',
  primary: 'id',
  columns: [
    column('id', 'id'),
    column('kind', 'short'),
    nullable('expression', 'text'),
    nullable('interval_ms', 'bigint'),
    nullable('time_zone', 'name'),
    column('task_name', 'name'),
    column('queue', 'name'),
    column('payload', 'payload'),
    column('priority', 'int'),
    nullable('max_retries', 'int'),
    nullable('timeout_ms', 'bigint'),
    column('overlap', 'short'),
    column('misfire', 'short'),
    column('max_catch_up', 'int'),
    column('paused', 'bool'),
    column('anchor_at', 'bigint'),
    nullable('next_fire_at', 'bigint'),
    nullable('last_fire_at', 'bigint'),
    column('created_at', 'bigint'),
    column('source', 'short'),
    column('version', 'int'),
    column('updated_at', 'bigint'),
  ],
  indexes: [],
};

/** One row per queue: locked while an insert checks the queue's capacity. */
export const QUEUES_TABLE: TableSpec = {
  table: 'queues',
  primary: 'name',
  columns: [column('name', 'name'), column('created_at', 'bigint')],
  indexes: [],
};

/** The store's own migration history. */
export const MIGRATIONS_TABLE: TableSpec = {
  table: 'migrations',
  primary: 'version',
  columns: [column('version', 'int'), column('name', 'id'), column('applied_at', 'bigint')],
  indexes: [],
};

/** Every table, in creation order. */
export const ALL_TABLES: readonly TableSpec[] = [
  TASKS_TABLE,
  SCHEDULES_TABLE,
  QUEUES_TABLE,
  MIGRATIONS_TABLE,
];
