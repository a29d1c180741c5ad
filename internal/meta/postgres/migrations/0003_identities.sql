-- The identity store: IAM users, access keys and their tombstones, roles,
-- inline and managed policies, attachments, STS sessions.
--
-- Names of users, roles and policies are unique case-insensitively, as in
-- IAM: each table keys them by name_key, the name lower-cased by signet
-- (Go's strings.ToLower, never the database's lower(), whose result
-- depends on the collation), and keeps the name as created. Key columns
-- that lists are sorted by use the "C" collation, so that ORDER BY and
-- the indexes order bytewise, as every signet engine does. No citext and
-- no types beyond bytea and text[]. Only PostgreSQL itself is tested; the
-- change feed (LISTEN/NOTIFY, a PL/pgSQL function, LOCK TABLE) is what
-- a PostgreSQL-compatible distributed engine is most likely to lack.
--
-- Dependents (keys, inline policies, attachments) are checked by the
-- engine in the SERIALIZABLE transaction that deletes their owner; the
-- foreign key on access keys is a second line of defence.

CREATE TABLE iam_users (
    name_key text COLLATE "C" PRIMARY KEY,
    name     text NOT NULL,
    id       text NOT NULL,
    path     text NOT NULL,
    created  timestamptz NOT NULL
);

CREATE TABLE iam_access_keys (
    id            text COLLATE "C" PRIMARY KEY,
    user_key      text COLLATE "C" NOT NULL REFERENCES iam_users (name_key),
    user_name     text NOT NULL, -- the user's name as created
    user_id       text NOT NULL,
    sealed_secret bytea NOT NULL,
    status        text NOT NULL,
    created       timestamptz NOT NULL
);
-- ListAccessKeys (creation order) and the per-user limit's count.
CREATE INDEX iam_access_keys_by_user ON iam_access_keys (user_key, created, id);

CREATE TABLE iam_deleted_access_keys (
    id        text COLLATE "C" PRIMARY KEY,
    user_name text NOT NULL,
    user_id   text NOT NULL,
    deleted   timestamptz NOT NULL
);
CREATE INDEX iam_deleted_access_keys_by_time ON iam_deleted_access_keys (deleted);

CREATE TABLE iam_roles (
    name_key             text COLLATE "C" PRIMARY KEY,
    name                 text NOT NULL,
    id                   text NOT NULL,
    path                 text NOT NULL,
    description          text NOT NULL,
    trust_policy         text NOT NULL,
    max_session_duration integer NOT NULL,
    created              timestamptz NOT NULL
);

CREATE TABLE iam_policies (
    name_key    text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL,
    id          text NOT NULL,
    path        text NOT NULL,
    description text NOT NULL,
    document    text NOT NULL,
    created     timestamptz NOT NULL,
    updated     timestamptz NOT NULL
);

-- owner_kind is 'user' or 'role'; owner_key the owner's name_key.
CREATE TABLE iam_inline_policies (
    owner_kind text NOT NULL,
    owner_key  text COLLATE "C" NOT NULL,
    name_key   text COLLATE "C" NOT NULL,
    name       text NOT NULL,
    document   text NOT NULL,
    PRIMARY KEY (owner_kind, owner_key, name_key)
);

CREATE TABLE iam_attached_policies (
    owner_kind text NOT NULL,
    owner_key  text COLLATE "C" NOT NULL,
    policy_arn text COLLATE "C" NOT NULL,
    -- The name_key of the customer managed policy the ARN names, NULL for
    -- an AWS managed policy or an ARN that names no policy: DeletePolicy
    -- refuses while any attachment carries its name_key.
    customer_policy_key text COLLATE "C",
    PRIMARY KEY (owner_kind, owner_key, policy_arn)
);
CREATE INDEX iam_attached_policies_by_arn ON iam_attached_policies (policy_arn);
CREATE INDEX iam_attached_policies_by_customer_policy ON iam_attached_policies (customer_policy_key);

CREATE TABLE sts_sessions (
    access_key_id        text COLLATE "C" PRIMARY KEY,
    sealed_secret        bytea NOT NULL,
    token_hash           bytea NOT NULL,
    kind                 text NOT NULL,
    arn                  text NOT NULL,
    user_id              text NOT NULL,
    user_name            text NOT NULL,
    root                 boolean NOT NULL,
    owner_id             text NOT NULL,
    role_name            text NOT NULL,
    session_name         text NOT NULL,
    session_policy       text NOT NULL,
    session_policy_arns  text[] NOT NULL,
    chained              boolean NOT NULL,
    source_access_key_id text NOT NULL,
    issued               timestamptz NOT NULL,
    expiry               timestamptz NOT NULL,
    terminated_at        timestamptz -- NULL while the session stands
);
CREATE INDEX sts_sessions_by_expiry ON sts_sessions (expiry);
