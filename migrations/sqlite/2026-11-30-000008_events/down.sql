DROP INDEX categories_updated_idx;
DROP INDEX authors_updated_idx;
DROP TABLE idempotency_keys;
DROP TABLE webhook_deliveries;
DROP TABLE webhooks;
DROP TABLE event_timers;
DROP TABLE event_marks;
DROP TABLE events;
