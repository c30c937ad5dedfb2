"""Batch scoring of archives: constant memory, worker processes or a Dask cluster, resumable.

    batch.pipeline   score_stream: the run, chunk by chunk, and resuming it
    batch.stages     the three stages a chunk goes through, and a worker's context
    batch.matcher    stage 2, in input order: duplicate index and same-event window
    batch.executors  where stages 1 and 3 run (this process, local workers, Dask): `Executor`
    batch.dask_cluster  the Dask workers' side (model plugin, tasks)
    batch.journal    the resume journal beside the output
    batch.writers    JSONL / CSV / Parquet output, and reading it back
    batch.summary    the run's counts and first errors

Records are read by `review.readers`, the one reader for every format.
"""
