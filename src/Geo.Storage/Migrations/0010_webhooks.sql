-- GeoAwareness schema, version 10: outbound webhooks, for systems that cannot hold a watch open.
--
-- A hook delivers, to its URL, what a watch with its filter would push to the token it acts for,
-- in feed order, from its own cursor: the cursor moves only after the receiver answered 2xx, so
-- delivery is at least once and in order, across restarts. One service process at a time delivers
-- a hook (lease_owner until lease_until; another process takes over once the lease lapses).
-- A hook that keeps failing is suspended and says why. The secret signs every delivery (HMAC);
-- it is shown once, when made or rotated, and never again.
CREATE TABLE webhooks (
    id                  text PRIMARY KEY,
    name                text NOT NULL,
    url                 text NOT NULL,
    token_id            text NOT NULL REFERENCES access_tokens (id),
    request             bytea NOT NULL,         -- the geoawareness.v1.WatchRequest (filter, sector) it was made with
    secret              text NOT NULL,
    cursor              text NOT NULL,
    state               smallint NOT NULL DEFAULT 1,    -- 1 active, 2 paused, 3 suspended
    state_reason        text NOT NULL DEFAULT '',
    failures            integer NOT NULL DEFAULT 0,     -- consecutive failed attempts
    next_attempt_at     timestamptz NOT NULL DEFAULT now(),
    delivered           bigint NOT NULL DEFAULT 0,
    last_delivered_at   timestamptz,
    lease_owner         text,
    lease_until         timestamptz,
    created_by          text NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    version             bigint NOT NULL DEFAULT 1
);

-- Every attempt, for the administrator: what was tried, when, and what came back. Bounded per
-- hook by the service (the newest GeoAwareness:Webhooks:LogPerHook). No observation content.
CREATE TABLE webhook_deliveries (
    id              bigserial PRIMARY KEY,
    hook_id         text NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    attempted_at    timestamptz NOT NULL DEFAULT now(),
    event_cursor    text NOT NULL,
    event_kind      text NOT NULL,
    attempt         integer NOT NULL,
    http_status     integer,
    outcome         text NOT NULL,          -- delivered, failed
    error           text NOT NULL DEFAULT '',
    duration_ms     integer NOT NULL
);
CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries (hook_id, id);

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoawareness_app') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON webhooks, webhook_deliveries TO geoawareness_app;
        GRANT USAGE ON SEQUENCE webhook_deliveries_id_seq TO geoawareness_app;
    END IF;
END
$$;
