-- IAM login profiles (console passwords): one row per user, bound to the
-- user's unique ID as access keys are, so that a user created again under
-- the name does not inherit it. The password is only ever stored as its
-- Argon2id hash (package password); history holds the hashes of earlier
-- passwords, newest first, for the account policy's
-- PasswordReusePrevention. The account's password policy is a row of
-- account_settings, as the account's public access block is.

CREATE TABLE iam_login_profiles (
    user_key       text COLLATE "C" PRIMARY KEY REFERENCES iam_users (name_key),
    user_name      text NOT NULL, -- the user's name as created
    user_id        text NOT NULL,
    created        timestamptz NOT NULL,
    reset_required boolean NOT NULL,
    password_hash  text NOT NULL,
    password_set   timestamptz NOT NULL,
    history        text[] NOT NULL
);
