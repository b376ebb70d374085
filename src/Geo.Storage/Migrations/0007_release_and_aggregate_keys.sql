-- GeoAwareness schema, version 7: what a CLA wrote stays with the supervisor chain, nothing leaves
-- the service before a supervisor releases it, and every count can be perturbed by its set.
--
-- notes: the CLA's own free text (it can name a source), read only by the CLA who wrote it and
-- the supervisor chain. summary: the text a supervisor writes or approves for release, the only
-- text analysts, importers and exports ever see.
ALTER TABLE observations RENAME COLUMN summary TO notes;
ALTER TABLE observations ADD COLUMN summary text NOT NULL DEFAULT '';

-- Release: feeds and layer feeds carry an observation only once a supervisor has released it
-- (verifying it counts as release unless GeoAwareness:Release:OnVerification is off). Verified
-- observations stored before this version were released by that same rule.
ALTER TABLE observations ADD COLUMN released_at timestamptz, ADD COLUMN released_by text;
UPDATE observations SET released_at = updated_at, released_by = 'verified before release existed' WHERE verification = 2;

-- A secret random key per observation (never read by any API): the key of a count is the sum of
-- the keys of the observations it counts, and the keyed noise on counts for callers without exact
-- locations is drawn from it (Geo.Core.Privacy.CountNoise). Never 0, so no report leaves a sum
-- unchanged.
ALTER TABLE observations ADD COLUMN aggregate_key integer NOT NULL
    DEFAULT (1 + floor(random() * 2147483646))::integer CHECK (aggregate_key >= 1);

-- Coarsened heat maps no longer need the observation's id (a coarse point is a function of the
-- place): with the key in the time index their read is index-only as well.
DROP INDEX observations_observed_at_idx;
CREATE INDEX observations_observed_at_idx ON observations (observed_at)
    INCLUDE (location, category, severity, verification, affected_groups, vulnerability, aggregate_key);

-- A ninth role: the security focal point, who reads security incidents against CLAs.
ALTER TABLE access_tokens DROP CONSTRAINT access_tokens_role_check;
ALTER TABLE access_tokens ADD CONSTRAINT access_tokens_role_check CHECK (role BETWEEN 1 AND 9);
