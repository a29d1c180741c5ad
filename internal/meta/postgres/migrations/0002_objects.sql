-- The object side: buckets, the object index, multipart uploads, the
-- records of completed uploads, blob reference counts and account-wide
-- settings. Keys are bytea so that they order bytewise, as bbolt orders
-- them, whatever bytes they hold; record bodies (in bytea: the database
-- never looks inside) sit next to the columns queries filter and order
-- by: a compact binary encoding for objects and uploads (objects_codec.go),
-- JSON for the rest.

CREATE TABLE buckets (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text COLLATE "C" NOT NULL UNIQUE,
    versioning text NOT NULL DEFAULT '',
    rec        bytea NOT NULL,
    -- The bucket's documents, NULL when it has none; they go with it.
    policy     text,
    cors       text,
    lifecycle  text
);

-- Versions of a key order newest first by ord, minus a global sequence,
-- so (key, ord) ascending is ListObjectVersions' order and one index
-- serves it. In a bucket never versioned a key has one row, version_id ''.
CREATE SEQUENCE object_ord;

CREATE TABLE objects (
    bucket_id  bigint NOT NULL,
    key        bytea NOT NULL,
    ord        bigint NOT NULL,
    version_id text COLLATE "C" NOT NULL,
    latest     boolean NOT NULL,
    marker     boolean NOT NULL,
    rec        bytea NOT NULL,
    PRIMARY KEY (bucket_id, key, ord)
);
CREATE UNIQUE INDEX objects_version ON objects (bucket_id, key, version_id);
-- Current objects only: ListObjects is one range scan of this index.
CREATE INDEX objects_current ON objects (bucket_id, key) WHERE latest AND NOT marker;

CREATE TABLE uploads (
    id           text COLLATE "C" PRIMARY KEY,
    bucket_id    bigint NOT NULL,
    key          bytea NOT NULL,
    initiated_ns bigint NOT NULL,
    rec          bytea NOT NULL
);
CREATE INDEX uploads_order ON uploads (bucket_id, key, initiated_ns, id);

CREATE TABLE parts (
    upload_id text COLLATE "C" NOT NULL,
    number    int NOT NULL,
    blob      text COLLATE "C" NOT NULL,
    rec       bytea NOT NULL,
    PRIMARY KEY (upload_id, number)
);

CREATE TABLE completed_uploads (
    id           text COLLATE "C" PRIMARY KEY,
    bucket_id    bigint NOT NULL,
    key          bytea NOT NULL,
    completed_ns bigint NOT NULL,
    rec          bytea NOT NULL
);
CREATE INDEX completed_uploads_age ON completed_uploads (completed_ns);

-- Every object version and every part holds one reference to each of its
-- blobs; a blob is free when its count would reach zero.
CREATE TABLE blob_refs (
    blob text COLLATE "C" PRIMARY KEY,
    n    bigint NOT NULL CHECK (n > 0)
);

-- Account-wide values: the account's Block Public Access configuration,
-- the dev clock's offset.
CREATE TABLE account_settings (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);
