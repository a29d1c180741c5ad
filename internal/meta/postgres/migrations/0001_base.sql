-- The change feed: one counter per kind of change, bumped (and announced
-- with NOTIFY, delivered at commit) by every write that can change what a
-- node caches. A node that missed notifications compares counters.
CREATE TABLE changes (
    kind    text PRIMARY KEY,
    version bigint NOT NULL
);

CREATE FUNCTION signet_changed(k text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v bigint;
BEGIN
    INSERT INTO changes (kind, version) VALUES (k, 1)
    ON CONFLICT (kind) DO UPDATE SET version = changes.version + 1
    RETURNING version INTO v;
    PERFORM pg_notify('signet_changes', k || ':' || v);
    RETURN v;
END;
$$;
