-- A reader's passkeys: the credential as webauthn-rs keeps it (JSON, with its public key and
-- counter), found by the credential's id (base64url) when the reader signs in with it.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    reader_id     INTEGER NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    credential_id TEXT    NOT NULL UNIQUE,
    -- The random id the authenticator keeps for the reader (a UUID), the same for all of a
    -- reader's passkeys: it says nothing about who they are.
    user_handle   TEXT    NOT NULL,
    credential    TEXT    NOT NULL,
    -- The authenticator's signature counter, also inside `credential`: kept apart so that an
    -- update can be made only over the counter it was checked against.
    sign_count    INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
);
CREATE INDEX passkeys_by_reader ON passkeys (reader_id);

-- A sign-in in two requests (a passkey registered or used, a provider's code flow): what the
-- second needs from the first, found by the SHA-256 of the random token the client holds,
-- taken once, gone after a few minutes.
CREATE TABLE sign_in_ceremonies (
    token_hash BLOB    PRIMARY KEY,
    kind       TEXT    NOT NULL,
    reader_id  INTEGER REFERENCES readers (id) ON DELETE CASCADE,
    state      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL
);
-- Pruned by expiry; a reader's go with them.
CREATE INDEX sign_in_ceremonies_by_expiry ON sign_in_ceremonies (expires_at);
CREATE INDEX sign_in_ceremonies_by_reader ON sign_in_ceremonies (reader_id);

-- Who a reader is at an OpenID Connect provider: the provider's issuer and its id for them.
CREATE TABLE reader_identities (
    issuer     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    reader_id  INTEGER NOT NULL REFERENCES readers (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX reader_identities_by_reader ON reader_identities (reader_id);
