-- GeoAwareness schema, version 6: running services hear at once of what changes a caller.
--
-- A service keeps each verified token in memory for a few seconds (GeoAwareness:Auth:
-- TokenCacheSeconds), together with the area of its sectors. A token revoked through another
-- process (the command-line tool, another instance of the service) or a sector redrawn would
-- otherwise still be honoured until that entry expires. Every such change now sends a
-- notification on channel geoawareness_access, after its transaction commits: the revoked
-- token's id, or '*' when sectors changed (any scoped token may be concerned). Services listen
-- on the channel and drop the entries at once.
CREATE FUNCTION notify_access_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'access_tokens' THEN
        PERFORM pg_notify('geoawareness_access', CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
    ELSE
        PERFORM pg_notify('geoawareness_access', '*');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER access_tokens_notify_revoked AFTER UPDATE OF revoked_at ON access_tokens
    FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at) EXECUTE FUNCTION notify_access_change();
CREATE TRIGGER access_tokens_notify_deleted AFTER DELETE ON access_tokens
    FOR EACH ROW EXECUTE FUNCTION notify_access_change();
CREATE TRIGGER sectors_notify_changed AFTER INSERT OR UPDATE OR DELETE ON sectors
    FOR EACH STATEMENT EXECUTE FUNCTION notify_access_change();
