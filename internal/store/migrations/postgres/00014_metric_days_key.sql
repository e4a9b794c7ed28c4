-- +goose Up
-- On SQLite this version makes metric_days a WITHOUT ROWID table; a
-- PostgreSQL table is already read through its primary key index, so
-- there is nothing to do here (the version exists on both engines).
SELECT 1;

-- +goose Down
SELECT 1;
