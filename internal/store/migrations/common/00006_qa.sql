-- +goose Up
-- QA evaluations: the source of the `accuracy` and `treatment` metrics.
-- A form is versioned: editing it adds a row to qa_form_versions and bumps
-- qa_forms.version, and an evaluation keeps the version it was scored on.
CREATE TABLE qa_forms (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    version    INTEGER NOT NULL,            -- the current version
    active     BOOLEAN NOT NULL DEFAULT TRUE, -- archived forms take no new evaluations
    created_by TEXT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A form version never changes once written. criteria is a JSON array of
-- {key, label, category, weight, pass_score}.
CREATE TABLE qa_form_versions (
    form_id     TEXT NOT NULL REFERENCES qa_forms(id),
    version     INTEGER NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    criteria    TEXT NOT NULL,
    created_by  TEXT REFERENCES users(id),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (form_id, version)
);

-- One evaluation of a case, or of one contact of it (contact_id set), for
-- the agent who handled it. The computed columns are derived from the
-- current scores in the same transaction that writes them, so that the
-- metrics read one row per evaluation: accuracy_checked is whether the form
-- has accuracy criteria, accuracy_defect whether one of them failed,
-- treatment_score the weighted mean of the treatment criteria (NULL when
-- the form has none), total_score the weighted mean of all.
CREATE TABLE qa_evaluations (
    id               TEXT PRIMARY KEY,
    form_id          TEXT NOT NULL,
    form_version     INTEGER NOT NULL,
    case_id          TEXT NOT NULL REFERENCES cases(id),
    contact_id       TEXT UNIQUE REFERENCES case_contacts(id),
    agent_id         TEXT NOT NULL REFERENCES users(id),
    evaluator_id     TEXT NOT NULL REFERENCES users(id),
    evaluated_at     BIGINT NOT NULL,
    comment          TEXT NOT NULL DEFAULT '',
    accuracy_checked BOOLEAN NOT NULL,
    accuracy_defect  BOOLEAN NOT NULL,
    treatment_score  DOUBLE PRECISION,
    total_score      DOUBLE PRECISION NOT NULL,
    status           TEXT NOT NULL,
    acknowledged_at  BIGINT,
    agent_comment    TEXT NOT NULL DEFAULT '',
    dispute_reason   TEXT NOT NULL DEFAULT '',
    disputed_at      BIGINT,
    resolved_by      TEXT REFERENCES users(id),
    resolved_at      BIGINT,
    resolution_note  TEXT NOT NULL DEFAULT '',
    revision         INTEGER NOT NULL DEFAULT 1,
    version          INTEGER NOT NULL DEFAULT 1,
    FOREIGN KEY (form_id, form_version) REFERENCES qa_form_versions(form_id, version)
);
-- The metrics read evaluations by evaluated_at, whole or per agent.
CREATE INDEX qa_evaluations_at ON qa_evaluations(evaluated_at);
CREATE INDEX qa_evaluations_agent ON qa_evaluations(agent_id, evaluated_at);
CREATE INDEX qa_evaluations_agent_id ON qa_evaluations(agent_id, id);
CREATE INDEX qa_evaluations_case ON qa_evaluations(case_id);
CREATE INDEX qa_evaluations_status ON qa_evaluations(status, id);

-- The current score of each criterion of an evaluation, with the
-- criterion as the form version defined it, so that defects can be counted
-- per criterion ("wrong information given", "wrong data entered").
CREATE TABLE qa_evaluation_scores (
    evaluation_id TEXT NOT NULL REFERENCES qa_evaluations(id),
    position      INTEGER NOT NULL,
    criterion     TEXT NOT NULL,
    label         TEXT NOT NULL,
    category      TEXT NOT NULL,
    weight        DOUBLE PRECISION NOT NULL,
    pass_score    INTEGER NOT NULL,
    score         INTEGER NOT NULL,
    failed        BOOLEAN NOT NULL,
    comment       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (evaluation_id, criterion)
);
CREATE INDEX qa_evaluation_scores_criterion ON qa_evaluation_scores(criterion, failed);

-- Every set of scores an evaluation has had: revision 1 is the evaluator's,
-- each upheld dispute adds one. scores is the JSON of that revision's
-- per-criterion scores.
CREATE TABLE qa_evaluation_revisions (
    evaluation_id   TEXT NOT NULL REFERENCES qa_evaluations(id),
    revision        INTEGER NOT NULL,
    scores          TEXT NOT NULL,
    accuracy_defect BOOLEAN NOT NULL,
    treatment_score DOUBLE PRECISION,
    total_score     DOUBLE PRECISION NOT NULL,
    changed_by      TEXT REFERENCES users(id),
    changed_at      BIGINT NOT NULL,
    reason          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (evaluation_id, revision)
);

-- A random sample of contacts drawn for one ISO week; seed makes it
-- reproducible.
CREATE TABLE qa_samples (
    id           TEXT PRIMARY KEY,
    week         TEXT NOT NULL,
    time_zone    TEXT NOT NULL,
    period_start BIGINT NOT NULL,
    period_end   BIGINT NOT NULL,
    per_agent    INTEGER NOT NULL,
    seed         BIGINT NOT NULL,
    form_id      TEXT REFERENCES qa_forms(id),
    requested_by TEXT REFERENCES users(id),
    created_at   BIGINT NOT NULL
);

-- A contact a supervisor is to evaluate. contact_id is unique: a contact is
-- sampled at most once, even by two samples drawn at the same instant.
CREATE TABLE qa_assignments (
    id            TEXT PRIMARY KEY,
    sample_id     TEXT NOT NULL REFERENCES qa_samples(id),
    contact_id    TEXT NOT NULL UNIQUE REFERENCES case_contacts(id),
    case_id       TEXT NOT NULL REFERENCES cases(id),
    agent_id      TEXT NOT NULL REFERENCES users(id),
    supervisor_id TEXT NOT NULL REFERENCES users(id),
    status        TEXT NOT NULL,
    evaluation_id TEXT REFERENCES qa_evaluations(id),
    created_at    BIGINT NOT NULL,
    done_at       BIGINT
);
CREATE INDEX qa_assignments_supervisor ON qa_assignments(supervisor_id, status, id);
CREATE INDEX qa_assignments_sample ON qa_assignments(sample_id, id);

-- Sampling reads a week of contacts; the foundation indexes contacts only
-- by case.
CREATE INDEX case_contacts_started ON case_contacts(started_at);

-- +goose Down
DROP INDEX case_contacts_started;
DROP TABLE qa_assignments;
DROP TABLE qa_samples;
DROP TABLE qa_evaluation_revisions;
DROP TABLE qa_evaluation_scores;
DROP TABLE qa_evaluations;
DROP TABLE qa_form_versions;
DROP TABLE qa_forms;
