-- staffeln's store, at the newest schema version. Canonical: `db-manage create_schema`
-- runs this file, and a test checks that the migrations in src/store/migrations.cc build
-- exactly this schema from every earlier version. Times are unix seconds (UTC).

-- One row per backup staffeln means to make of a volume (upstream's queue_data). The row is
-- written before the create call, and its id is the tag the backup carries in Cinder.
CREATE TABLE tasks (
    id           TEXT PRIMARY KEY,
    volume_id    TEXT NOT NULL,
    volume_name  TEXT NOT NULL DEFAULT '',
    project_id   TEXT NOT NULL,
    server_id    TEXT NOT NULL DEFAULT '',
    server_name  TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL CHECK (kind IN ('full', 'incremental')),
    status       TEXT NOT NULL CHECK (status IN ('pending', 'in_flight', 'succeeded', 'failed', 'cancelled')),
    backup_id    TEXT UNIQUE,
    backup_name  TEXT NOT NULL DEFAULT '',
    last_error   TEXT NOT NULL DEFAULT '',
    attempts     INTEGER NOT NULL DEFAULT 0,
    reported     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    -- its server set (server_sets); '' for a task without one (written before version 7, or
    -- adopted from Cinder's tags into a rebuilt store)
    set_id       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tasks_volume ON tasks (volume_id);
CREATE INDEX tasks_set ON tasks (set_id);
CREATE INDEX tasks_project_status ON tasks (project_id, status);
-- Invariant: never two staffeln backups in flight for one volume.
CREATE UNIQUE INDEX tasks_one_in_flight_per_volume ON tasks (volume_id)
    WHERE status IN ('pending', 'in_flight');

-- Every backup staffeln made that still exists in Cinder (upstream's backup_data). The API
-- answers from here, and retention deletes from here.
CREATE TABLE backups (
    backup_id       TEXT PRIMARY KEY,
    task_id         TEXT NOT NULL DEFAULT '',
    volume_id       TEXT NOT NULL,
    project_id      TEXT NOT NULL,
    server_id       TEXT NOT NULL DEFAULT '',
    kind            TEXT NOT NULL CHECK (kind IN ('full', 'incremental')),
    status          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    data_timestamp  INTEGER NOT NULL,
    delete_reason   TEXT NOT NULL DEFAULT '',
    last_error      TEXT NOT NULL DEFAULT '',
    updated_at      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX backups_volume ON backups (volume_id);
CREATE INDEX backups_project_status ON backups (project_id, status);

-- When a report went out (upstream's report_timestamp).
CREATE TABLE report_timestamps (
    id          INTEGER PRIMARY KEY,
    project_id  TEXT NOT NULL DEFAULT '',
    sender      TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX report_timestamps_created ON report_timestamps (created_at);

-- The disaster-recovery record of each automated backup that became available
-- (docs/disaster-recovery.md): Cinder's export record (backup_service, backup_url), which
-- import_record needs to re-create the backup after Cinder's database is lost, and what a
-- restore needs to know of the backup's origin. fetch_status 'failed' (with last_error) is
-- retried each cycle. A row goes with its backup's row in the backups table.
CREATE TABLE dr_records (
    backup_id         TEXT PRIMARY KEY,
    project_id        TEXT NOT NULL,
    server_id         TEXT NOT NULL DEFAULT '',
    server_name       TEXT NOT NULL DEFAULT '',
    volume_id         TEXT NOT NULL,
    volume_name       TEXT NOT NULL DEFAULT '',
    volume_size_gb    INTEGER NOT NULL DEFAULT 0,
    volume_bootable   INTEGER NOT NULL DEFAULT 0 CHECK (volume_bootable IN (0, 1)),
    volume_device     TEXT NOT NULL DEFAULT '',
    kind              TEXT NOT NULL CHECK (kind IN ('full', 'incremental')),
    parent_id         TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    data_timestamp    INTEGER NOT NULL,
    backup_service    TEXT NOT NULL DEFAULT '',
    backup_url        TEXT NOT NULL DEFAULT '',
    fetch_status      TEXT NOT NULL CHECK (fetch_status IN ('fetched', 'failed')),
    last_error        TEXT NOT NULL DEFAULT '',
    attempts          INTEGER NOT NULL DEFAULT 0,
    updated_at        INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX dr_records_project ON dr_records (project_id);

-- One row per restore of a server into new volumes (`staffeln restore`, docs/restore.md),
-- written with its volumes before anything is made; every volume it makes carries
-- staffeln:restore=<id> in Cinder. status: running until each volume is done or failed.
CREATE TABLE restores (
    id           TEXT PRIMARY KEY,
    server_id    TEXT NOT NULL,
    server_name  TEXT NOT NULL DEFAULT '',
    project_id   TEXT NOT NULL,
    at           INTEGER NOT NULL,
    point_time   INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cleaned')),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    -- where it writes (new volumes, or over the originals) and the project restore it is part of ('' for none)
    into_target  TEXT NOT NULL DEFAULT 'new' CHECK (into_target IN ('new', 'original')),
    project_restore_id TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX restores_server ON restores (server_id, status);
-- Invariant: one unfinished restore per server, which running the command again continues.
CREATE UNIQUE INDEX restores_one_running_per_server ON restores (server_id) WHERE status = 'running';

-- A volume of a restore: the backup it reads and the volume made for it (restored_volume_id,
-- '' until Cinder answered the create). state: pending (nothing made), created, restoring,
-- done, failed (last_error says why).
CREATE TABLE restore_volumes (
    restore_id          TEXT NOT NULL REFERENCES restores (id),
    source_volume_id    TEXT NOT NULL,
    position            INTEGER NOT NULL,
    source_name         TEXT NOT NULL DEFAULT '',
    backup_id           TEXT NOT NULL,
    new_name            TEXT NOT NULL,
    size_gb             INTEGER NOT NULL,
    volume_type         TEXT NOT NULL DEFAULT '',
    bootable            INTEGER NOT NULL DEFAULT 0 CHECK (bootable IN (0, 1)),
    restored_volume_id  TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL CHECK (state IN ('pending', 'created', 'restoring', 'done', 'failed')),
    last_error          TEXT NOT NULL DEFAULT '',
    updated_at          INTEGER NOT NULL,
    PRIMARY KEY (restore_id, source_volume_id)
) WITHOUT ROWID;

-- Upstream Staffeln's backups imported completely (db-manage import-upstream, or the conductor's
-- import with a MySQL [database] connection, run without a problem): until this row is here the
-- conductor imports again before its backup cycle. One row at most; source is the redacted URL.
CREATE TABLE upstream_import (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    completed_at  INTEGER NOT NULL,
    source        TEXT NOT NULL
);

-- A server's definition (docs/restore.md#the-server-definition) as the backup cycles saw it, as
-- JSON: a row when it changed, last_seen moved on by every cycle that saw it unchanged. A
-- restore takes the one in effect at its point (the newest recorded at or before it).
CREATE TABLE server_definitions (
    server_id    TEXT NOT NULL,
    recorded_at  INTEGER NOT NULL,
    project_id   TEXT NOT NULL,
    definition   TEXT NOT NULL,
    last_seen    INTEGER NOT NULL,
    PRIMARY KEY (server_id, recorded_at)
) WITHOUT ROWID;

-- The server a restore boots from its volumes (--recreate-server): asked with its flavor and
-- whether to keep the backup tag, written with the restore; server_id once Nova answered the
-- boot (Nova lists it tagged staffeln:restore=<restore id> from then on). state: pending,
-- building, active, failed (last_error says why).
CREATE TABLE restore_servers (
    restore_id       TEXT PRIMARY KEY REFERENCES restores (id),
    name             TEXT NOT NULL,
    flavor           TEXT NOT NULL DEFAULT '',
    keep_backup_tag  INTEGER NOT NULL DEFAULT 0 CHECK (keep_backup_tag IN (0, 1)),
    server_id        TEXT NOT NULL DEFAULT '',
    state            TEXT NOT NULL CHECK (state IN ('pending', 'building', 'active', 'failed')),
    last_error       TEXT NOT NULL DEFAULT '',
    updated_at       INTEGER NOT NULL
) WITHOUT ROWID;

-- A restore of every server of a project (`staffeln restore --project P`): its server restores
-- are the rows of restores naming it in project_restore_id, written with it in one transaction.
-- status: running until each of them has ended.
CREATE TABLE project_restores (
    id             TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL,
    at             INTEGER NOT NULL,
    into_target    TEXT NOT NULL CHECK (into_target IN ('new', 'original')),
    allow_partial  INTEGER NOT NULL CHECK (allow_partial IN (0, 1)),
    status         TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'cleaned')),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
) WITHOUT ROWID;
-- Invariant: one unfinished restore per project, which running the command again continues.
CREATE UNIQUE INDEX project_restores_one_running ON project_restores (project_id) WHERE status = 'running';

-- A server a project restore refused (a partial point, a backup gone, an original attached...),
-- with the reason, so that the summary of a continued run names it again.
CREATE TABLE project_restore_refusals (
    project_restore_id  TEXT NOT NULL REFERENCES project_restores (id),
    server_id           TEXT NOT NULL,
    server_name         TEXT NOT NULL DEFAULT '',
    reason              TEXT NOT NULL,
    PRIMARY KEY (project_restore_id, server_id)
) WITHOUT ROWID;

-- A server set (core/server_set.h): the backups a backup cycle makes of one server's volumes,
-- written before their tasks, which name it in set_id. volumes: how many tasks the cycle meant
-- to write for it; mode: volume or snapshot. A row goes once no task names it.
CREATE TABLE server_sets (
    id          TEXT PRIMARY KEY,
    server_id   TEXT NOT NULL,
    project_id  TEXT NOT NULL,
    mode        TEXT NOT NULL CHECK (mode IN ('volume', 'snapshot')),
    volumes     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;
