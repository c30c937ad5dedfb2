"""CPU cost of the transformer backend, on checkpoints with random weights. Prints figures; asserts nothing.

    .venv/bin/python bench/transformer_speed.py --write var/tiny-bert            # just write a tiny checkpoint
    .venv/bin/python bench/transformer_speed.py --size base --steps 4           # time fine-tuning and scoring

No checkpoint can be downloaded here, so the weights are random: the figures are the
cost of the computation, which depends on the architecture, not on what the weights
learned. `--size base` has bert-base-chinese's shape (12 layers, hidden 768, 12 heads,
vocabulary 21,128); `--size tiny` is the 2-layer, hidden-32 model the tests use. The
vocabulary holds the characters of data_samples/briefs.jsonl (padded with unused
entries to the size of bert-base-chinese's for `base`).

Timed: optimiser steps of `TransformerClassifier.fit` on the sample briefs (title +
body pairs, batch 16, `--max-length` tokens), then `predict_proba` over the held-out set.
Pinned to one CPU core with one torch thread, like bench/score_throughput.py: the
machine's cores are shared, and torch's threads crawl when they outnumber free cores.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SIZES = {
    "tiny": {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64},
    "base": {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12, "intermediate_size": 3072},
}
BERT_BASE_CHINESE_VOCAB = 21128


def write_checkpoint(path: Path, size: str = "tiny", seed: int = 0) -> Path:
    """A BERT checkpoint with random weights and the samples' characters as vocabulary, laid out as on the hub."""
    import torch
    from transformers import BertConfig, BertModel

    from review.readers import load_briefs

    briefs = load_briefs(ROOT / "data_samples" / "briefs.jsonl")
    chars = sorted(set("".join(b.title + b.body for b in briefs)) - set(" \t\n\u3000"))
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *("##" + c for c in chars if c.isascii())]
    if size == "base":
        vocab += [f"[unused{i}]" for i in range(BERT_BASE_CHINESE_VOCAB - len(vocab))]
    path.mkdir(parents=True, exist_ok=True)
    (path / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    (path / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "BertTokenizer",
                                                            "do_lower_case": False}), encoding="utf-8")
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=len(vocab), max_position_embeddings=512, **SIZES[size])
    BertModel(config).save_pretrained(path, safe_serialization=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="base")
    parser.add_argument("--write", type=Path, default=None, help="only write a checkpoint of --size here")
    parser.add_argument("--steps", type=int, default=4, help="optimiser steps to time")
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--core", type=int, default=0, help="CPU core to pin to")
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.core})
    if args.write is not None:
        print(f"checkpoint written: {write_checkpoint(args.write, args.size)}")
        return

    import numpy as np
    import torch

    torch.set_num_threads(1)

    from models.transformer import TransformerClassifier
    from review.engine import columns
    from review.readers import load_briefs
    from training.train import DEFAULT_PARAMS, _augmented

    train = load_briefs(ROOT / "data_samples" / "briefs.jsonl")
    heldout = load_briefs(ROOT / "data_samples" / "heldout.jsonl")
    X, y, _, weight = _augmented(train, DEFAULT_PARAMS)
    with tempfile.TemporaryDirectory() as tmp:
        base = write_checkpoint(Path(tmp) / "bert", args.size)
        clf = TransformerClassifier(str(base), max_steps=args.steps, max_length=args.max_length,
                                    batch_size=args.batch_size)
        # wall-clock and CPU time: on a shared machine the process waits for its core, and
        # CPU time is what an idle core would take
        stamps = [(time.perf_counter(), time.process_time())]
        clf.fit(X, y, sample_weight=weight,
                callback=lambda *_: stamps.append((time.perf_counter(), time.process_time())))
        wall, cpu = (np.diff([s[k] for s in stamps]) for k in (0, 1))
        # the first step also loads the checkpoint and tokenises the training rows
        per_step, cpu_per_step = (float(np.median(t[1:] if len(t) > 1 else t)) for t in (wall, cpu))
        started, started_cpu = time.perf_counter(), time.process_time()
        clf.predict_proba(columns(heldout))
        scoring, scoring_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    rows_per_epoch = len(y)
    steps_per_epoch = -(-rows_per_epoch // args.batch_size)
    print(json.dumps({
        "size": args.size, "device": clf.device_, "torch_threads": torch.get_num_threads(),
        "max_length": args.max_length, "batch_size": args.batch_size,
        "train_s_per_step": round(per_step, 2), "train_cpu_s_per_step": round(cpu_per_step, 2),
        "training_rows": rows_per_epoch, "steps_per_epoch": steps_per_epoch,
        "est_cpu_min_per_epoch": round(cpu_per_step * steps_per_epoch / 60, 1),
        "heldout_briefs": len(heldout), "predict_briefs_per_s": round(len(heldout) / scoring, 1),
        "predict_briefs_per_cpu_s": round(len(heldout) / scoring_cpu, 1),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()
