-- +goose Up
-- The web UI's sessions (alexedwards/scs, a store of our own on the shared
-- database so that several `anchor serve` instances share sign-ins). The
-- token column holds the SHA-256 of the cookie's token, never the token;
-- data is the session's encoded bytes in base64, so that one column type
-- serves both engines.
CREATE TABLE web_sessions (
    token  TEXT PRIMARY KEY,
    data   TEXT NOT NULL,
    expiry BIGINT NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions(expiry);

-- Every sign-in attempt, kept a day: lockout and backoff are computed from
-- them, so they hold across instances and restarts. result is ok, fail or
-- locked (refused without checking the password, and not counted).
CREATE TABLE web_signin_attempts (
    id     TEXT PRIMARY KEY,
    email  TEXT NOT NULL,
    ip     TEXT NOT NULL,
    at     BIGINT NOT NULL,
    result TEXT NOT NULL
);
CREATE INDEX web_signin_attempts_email ON web_signin_attempts(email, at);
CREATE INDEX web_signin_attempts_ip ON web_signin_attempts(ip, at);
CREATE INDEX web_signin_attempts_at ON web_signin_attempts(at);

-- +goose Down
DROP TABLE web_signin_attempts;
DROP TABLE web_sessions;
