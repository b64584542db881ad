-- Lossless datasets and the annotation page.
-- A conversational prompt keeps its messages (JSON [{"role","content"}]) beside the rendered text the
-- models read; an imported line keeps its extra columns (JSON object) for the provenance export.
ALTER TABLE preferences ADD COLUMN prompt_messages TEXT;
ALTER TABLE preferences ADD COLUMN metadata TEXT;
-- An undo is appended, never a delete: a row whose `undoes` names an earlier judgement of the same
-- annotator withdraws it, so the latest row per (comparison, annotator) is what counts.
ALTER TABLE preferences ADD COLUMN undoes TEXT;
ALTER TABLE comparisons ADD COLUMN prompt_messages TEXT;

-- Per-dataset guidelines for annotators, Markdown, set by researchers.
CREATE TABLE dataset_guidelines (
    dataset     TEXT PRIMARY KEY,
    markdown    TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
