-- Results of scoring shards (jobs of kind score_shard, module Service): one row per shard job, written by
-- the worker that scored it (again, identically, if a lapsed lease made another worker redo it), read and
-- deleted by the scorer waiting for its batch. Scores are the IEEE-754 bit patterns of the doubles, in
-- hexadecimal, comma-separated in item order, so they cross the store bit for bit. Times are microseconds.
CREATE TABLE score_shards (
    job_id       TEXT PRIMARY KEY,
    batch_id     TEXT NOT NULL,
    shard_index  INTEGER NOT NULL,
    scores       TEXT NOT NULL,
    worker       TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX score_shards_batch ON score_shards (batch_id, shard_index);
