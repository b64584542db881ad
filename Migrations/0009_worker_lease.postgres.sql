-- Each pool stores its own lease (microseconds) at registration: a pool beats every third of it, so
-- GET /v1/workers takes a pool for dead once a whole lease has passed since its last heartbeat,
-- whatever lease the API server itself was started with.
ALTER TABLE workers ADD COLUMN lease_micros BIGINT NOT NULL DEFAULT 30000000;
