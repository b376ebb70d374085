-- GeoAwareness schema, version 3: who may call, where, and what they did.

-- Sectors: named areas of the mission; a token scoped to sectors sees only what lies inside them.
CREATE TABLE sectors (
    id          text PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 128),
    name        text NOT NULL,
    area        geometry(MultiPolygon, 4326) NOT NULL,
    version     bigint NOT NULL DEFAULT 1,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sectors_area_gix ON sectors USING gist (area);

-- Bearer tokens. Only a salted SHA-256 of the secret is kept: the token itself is shown once,
-- when it is issued. role: see Geo.Core.Access.Role. A token is scoped to sectors and/or an
-- area polygon, or to nothing (the whole mission).
CREATE TABLE access_tokens (
    id                text PRIMARY KEY CHECK (length(id) BETWEEN 8 AND 64),
    salt              bytea NOT NULL,
    secret_hash       bytea NOT NULL,
    role              smallint NOT NULL CHECK (role BETWEEN 1 AND 8),
    subject           text NOT NULL CHECK (length(subject) BETWEEN 1 AND 128),
    sectors           text[] NOT NULL DEFAULT '{}',
    area              geometry(MultiPolygon, 4326),
    referral_section  smallint,
    expires_at        timestamptz NOT NULL,
    revoked_at        timestamptz,
    issued_by         text NOT NULL,
    issued_at         timestamptz NOT NULL DEFAULT now(),
    note              text NOT NULL DEFAULT ''
);
CREATE INDEX access_tokens_subject_idx ON access_tokens (subject);

-- Secrets the service keeps for itself, such as the key that makes coarsened locations
-- repeatable (the same displaced point for an observation on every pull).
CREATE TABLE service_secrets (
    name        text PRIMARY KEY,
    value       bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The application's own database role: everything it needs and nothing more. It may append to
-- the audit trail and read it, never change or remove it (the triggers of version 1 refuse
-- that for every role as well). Created only where the migrating account may create roles
-- (the private cluster, a superuser); elsewhere an administrator creates it (see README).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoawareness_app')
       AND (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
        CREATE ROLE geoawareness_app LOGIN;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'geoawareness_app') THEN
        GRANT USAGE ON SCHEMA public, confidential TO geoawareness_app;
        GRANT SELECT, INSERT, UPDATE ON bases, communities, cla_deployments, observations, sectors, access_tokens TO geoawareness_app;
        GRANT SELECT, INSERT ON observation_reviews, audit_log, schema_migrations, service_secrets TO geoawareness_app;
        GRANT SELECT, INSERT ON confidential.sources, confidential.referrals TO geoawareness_app;
        GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO geoawareness_app;
        EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO geoawareness_app', current_database());
    END IF;
END
$$;
