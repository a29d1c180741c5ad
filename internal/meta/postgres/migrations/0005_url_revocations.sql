-- The presigned-URL denylist (meta.URLRevocationStore, `signet admin url
-- revoke`): one row per entry, a URL known by its signature's fingerprint
-- or a rule on a signer. Every node holds all of it in memory and reloads
-- it when the change feed announces "urlrevocations". A row is kept only
-- until `until`, after which its URL is dead anyway: the prune deletes by
-- the index on it. The ID is in the "C" collation, so the listing is in
-- byte order as in every engine; the object key is bytea, as in objects,
-- since a key need not be valid UTF-8. signed_before and revoked_at are
-- NULL when zero (signed_before is only a rule's).

CREATE TABLE url_revocations (
    id            text COLLATE "C" PRIMARY KEY,
    print         text NOT NULL,
    signer_kind   text NOT NULL,
    signer        text NOT NULL,
    signed_before timestamptz,
    until         timestamptz NOT NULL,
    revoked_at    timestamptz,
    revoked_by    text NOT NULL,
    reason        text NOT NULL,
    access_key_id text NOT NULL,
    principal_arn text NOT NULL,
    method        text NOT NULL,
    bucket        text NOT NULL,
    key           bytea NOT NULL,
    twin_of       text NOT NULL
);
CREATE INDEX url_revocations_by_until ON url_revocations (until);
