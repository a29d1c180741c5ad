-- The web console's remembered links (meta.ConsoleLinkStore): one row per
-- link the share dialog made, named by its signature's fingerprint. The
-- URL and its signature are never stored. A row is kept only until
-- `effective`, the link's end, after which the link is dead anyway: the
-- prune deletes by the index on it. The "My links" page reads one
-- principal's rows by the index on principal_arn. The ID is in the "C"
-- collation, so ties sort bytewise as in every engine; the object key is
-- bytea, as in objects, since a key need not be valid UTF-8.

CREATE TABLE console_links (
    id            text COLLATE "C" PRIMARY KEY,
    principal_arn text NOT NULL,
    bucket        text NOT NULL,
    key           bytea NOT NULL,
    method        text NOT NULL,
    signer        text NOT NULL,
    made_at       timestamptz NOT NULL,
    expires       timestamptz NOT NULL,
    effective     timestamptz NOT NULL,
    limited_by    text NOT NULL
);
CREATE INDEX console_links_by_principal ON console_links (principal_arn, made_at DESC, id);
CREATE INDEX console_links_by_effective ON console_links (effective);
