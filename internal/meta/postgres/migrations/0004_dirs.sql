-- Directories, so that a listing with delimiter "/" is a range scan: the
-- objects directly in a directory (objects.parent) merged with the
-- directories directly in it (dirs.parent), instead of one index descent
-- per common prefix rolled up.
--
-- objects.parent is the key up to and including its last "/" ('' when it
-- has none). dirs holds every "/"-terminated prefix of every key that has
-- at least one version ("a/" and "a/b/" for "a/b/c", and "a/" for "a/"
-- itself, which a listing at the root rolls up into "a/"); its parent is
-- the directory without its last segment. current says whether a key
-- under the directory is current and not a delete marker: ListObjects
-- rolls up only those, ListObjectVersions every directory. The write
-- transactions keep both (objects.go, dirs.go).

-- notSlash holds every byte but "/": rtrim(k, notSlash) is k up to and
-- including its last "/".
CREATE FUNCTION pg_temp.not_slash() RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT string_agg(set_byte('\x00'::bytea, 0, i), '\x'::bytea ORDER BY i)
    FROM generate_series(0, 255) i WHERE i <> 47
$$;

ALTER TABLE objects ADD COLUMN parent bytea NOT NULL DEFAULT '\x';
ALTER TABLE objects ALTER COLUMN parent DROP DEFAULT;
UPDATE objects SET parent = rtrim(key, pg_temp.not_slash()) WHERE position('\x2f'::bytea IN key) > 0;

-- A directory listing of current objects, and of versions.
CREATE INDEX objects_parent_current ON objects (bucket_id, parent, key) WHERE latest AND NOT marker;
CREATE INDEX objects_parent ON objects (bucket_id, parent, key, ord);

CREATE TABLE dirs (
    bucket_id bigint NOT NULL,
    parent    bytea NOT NULL,
    dir       bytea NOT NULL,
    current   boolean NOT NULL,
    PRIMARY KEY (bucket_id, dir)
);
CREATE INDEX dirs_parent ON dirs (bucket_id, parent, dir);
CREATE INDEX dirs_parent_current ON dirs (bucket_id, parent, dir) WHERE current;

-- Every "/"-terminated prefix of every key: a key's parent, then each
-- directory's parent in turn.
INSERT INTO dirs (bucket_id, parent, dir, current)
WITH RECURSIVE d(bucket_id, dir, cur) AS (
    SELECT bucket_id, parent, bool_or(latest AND NOT marker) FROM objects
    WHERE parent <> '\x' GROUP BY bucket_id, parent
  UNION
    SELECT bucket_id, rtrim(substring(dir FROM 1 FOR length(dir) - 1), pg_temp.not_slash()), cur FROM d
    WHERE rtrim(substring(dir FROM 1 FOR length(dir) - 1), pg_temp.not_slash()) <> '\x'
)
SELECT bucket_id, rtrim(substring(dir FROM 1 FOR length(dir) - 1), pg_temp.not_slash()), dir, bool_or(cur)
FROM d GROUP BY bucket_id, dir;
