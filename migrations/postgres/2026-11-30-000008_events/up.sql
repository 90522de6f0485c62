-- Events: the outbox every change writes in its own transaction, the timers that make
-- time-driven events, webhooks and their durable deliveries, and idempotency keys.

-- One row per event. Readers order by (txid, seq) and see only rows whose transaction is
-- older than the oldest one still running (`pg_snapshot_xmin`), so a transaction that
-- commits late can never be skipped by a reader that already moved past a later one.
CREATE TABLE events (
    seq            BIGSERIAL PRIMARY KEY,
    txid           BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    id             TEXT NOT NULL UNIQUE,
    type           TEXT COLLATE "C" NOT NULL,
    occurred_at    TIMESTAMP NOT NULL,
    resource_type  TEXT COLLATE "C" NOT NULL,
    resource_id    TEXT NOT NULL,
    resource_slug  TEXT,
    version        BIGINT,
    actor          TEXT NOT NULL,
    data           TEXT
);
CREATE INDEX events_position_idx ON events (txid, seq);
CREATE INDEX events_occurred_idx ON events (occurred_at);

-- Named positions in the feed: `webhooks` (how far the fan-out to deliveries went) and
-- `horizon` (the last event the retention sweep deleted; a cursor before it is expired).
CREATE TABLE event_marks (
    name  TEXT PRIMARY KEY,
    txid  BIGINT NOT NULL,
    seq   BIGINT NOT NULL
);
INSERT INTO event_marks (name, txid, seq) VALUES ('webhooks', 0, 0), ('horizon', 0, 0);

-- Moments at which an article changes for the public with no request: `publish` (a
-- scheduled story comes due) and `expire` (its `unpublish_at`). Kept by every write of the
-- article; the scheduler turns due rows into events and deletes them, once.
CREATE TABLE event_timers (
    article_id  TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    due_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (article_id, kind)
);
CREATE INDEX event_timers_due_idx ON event_timers (due_at);
-- Stories already scheduled or expiring when this migration runs.
INSERT INTO event_timers (article_id, kind, due_at)
SELECT id, 'publish', published_at FROM articles
WHERE trashed_at IS NULL AND status = 'scheduled' AND published_at > (now() AT TIME ZONE 'UTC');
INSERT INTO event_timers (article_id, kind, due_at)
SELECT id, 'expire', unpublish_at FROM articles
WHERE trashed_at IS NULL AND status IN ('published', 'scheduled') AND unpublish_at > (now() AT TIME ZONE 'UTC');

CREATE TABLE webhooks (
    id                       TEXT PRIMARY KEY,
    url                      TEXT NOT NULL,
    events                   TEXT NOT NULL,
    active                   BOOLEAN NOT NULL,
    description              TEXT,
    secret                   TEXT NOT NULL,
    previous_secret          TEXT,
    previous_secret_until    TIMESTAMP,
    disabled_reason          TEXT,
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL
);

-- One row per event per webhook. `resource_key` orders deliveries of one resource; a
-- delivery is sent only when no earlier one of the same resource is still pending.
CREATE TABLE webhook_deliveries (
    seq              BIGSERIAL PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    resource_key     TEXT NOT NULL,
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    next_attempt_at  TIMESTAMP NOT NULL,
    lease_until      TIMESTAMP,
    last_attempt_at  TIMESTAMP,
    response_status  INTEGER,
    duration_ms      INTEGER,
    response_body    TEXT,
    error            TEXT,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (webhook_id, next_attempt_at, seq)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_resource_idx ON webhook_deliveries (webhook_id, resource_key, seq)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log_idx ON webhook_deliveries (webhook_id, seq);
CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at);

-- The first answer to a POST with an `Idempotency-Key`, per caller, for 24 hours.
-- `state` is `running` until the answer is stored; `locked_until` frees a key whose
-- request never finished (the process died).
CREATE TABLE idempotency_keys (
    caller        TEXT NOT NULL,
    key           TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    state         TEXT NOT NULL,
    status        INTEGER,
    location      TEXT,
    etag          TEXT,
    content_type  TEXT,
    body          BYTEA,
    created_at    TIMESTAMP NOT NULL,
    locked_until  TIMESTAMP NOT NULL,
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

CREATE INDEX authors_updated_idx ON authors (updated_at, id);
CREATE INDEX categories_updated_idx ON categories (updated_at, id);
