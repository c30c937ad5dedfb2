"""The learning loop end to end, with figures: champion on older samples, new decisions, retrain.

1. v1 is trained on the older 75% of data_samples/briefs.jsonl (by submission time).
2. The newest 25% are submitted to a fresh SQLite database through the service layer and
   an editor decides each with its hand labels (recategorising where v1 was wrong).
3. `retrain` builds the snapshot (older samples + decisions), trains the challenger and
   compares it with v1 on the newest briefs and the fixed held-out set.
4. The same again with `--data` relabelling every sample with shuffled labels.

Prints the comparison and the wall time of each step. Nothing is asserted: tests do that.

    .venv/bin/python bench/learning_loop.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="working directory (default: a temp dir)")
    args = parser.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="learning-loop-"))
    work.mkdir(parents=True, exist_ok=True)

    from storage.db import make_engine, upgrade
    from api.services import Caller, ReviewService
    from models.registry import ChampionHolder, ModelRegistry
    from review.config import load_config
    from review.readers import load_briefs
    from training.retrain import retrain
    from training.snapshot import build_snapshot
    from training.train import train_model

    config = load_config(ROOT / "review" / "defaults.toml")
    samples = ROOT / "data_samples" / "briefs.jsonl"
    heldout = load_briefs(ROOT / "data_samples" / "heldout.jsonl")
    records = {json.loads(line)["id"]: json.loads(line) for line in samples.read_text(encoding="utf-8").splitlines()}
    ordered = sorted(load_briefs(samples), key=lambda b: (b.submitted_at, b.id))
    cut = len(ordered) - int(len(ordered) * 0.25)
    older, newer = ordered[:cut], ordered[cut:]
    older_path = work / "older.jsonl"
    older_path.write_text("".join(json.dumps(records[b.id], ensure_ascii=False) + "\n" for b in older),
                          encoding="utf-8")

    def step(name, func):
        start = time.monotonic()
        value = func()
        print(f"{name:<44}{time.monotonic() - start:7.1f} s", flush=True)
        return value

    registry = ModelRegistry(work / "registry")

    def first_champion():
        registry.promote(registry.register(train_model(older, config=config)))

    step(f"train v1 on the older {len(older)} samples", first_champion)
    engine = make_engine(f"sqlite:///{work / 'briefs.db'}")
    upgrade(engine)
    service = ReviewService(engine, ChampionHolder(registry), config, secret="x" * 48)
    editor = Caller(service.add_user("editor", "editor-pass", "editor"), "editor", "editor", None)

    def submit_and_decide():
        corrected, officers = 0, {}
        for b in newer:
            if b.unit not in officers:  # one officer per unit, logged in once
                name = f"officer{len(officers)}"
                service.add_user(name, "officer-pass", "officer", unit=b.unit)
                officers[b.unit] = service.caller(service.login(name, "officer-pass"))
            officer = officers[b.unit]
            brief = service.submit(officer, b.title, b.body)
            if brief["category"] != b.labels.category:
                service.decide(editor, brief["id"], "recategorise", category=b.labels.category)
                corrected += 1
            adoption = b.labels.adoption
            service.decide(editor, brief["id"], "adopt" if adoption.adopted else "reject",
                           level=adoption.level if adoption.adopted else None)
            if adoption.instruction != "none":
                service.decide(editor, brief["id"], "instruction", level=adoption.instruction)
        return corrected

    corrected = step(f"submit and decide the newest {len(newer)}", submit_and_decide)
    print(f"  editors corrected v1's category on {corrected} of {len(newer)}")

    def show(result):
        for role in ("champion", "challenger"):
            for split, m in result.comparison[role].items():
                print(f"  {role:<10} {split:<8} n={m['n']:<4} macro-F1 {m['macro_f1']:.3f}  "
                      f"accepted {m['accepted_accuracy']:.3f}  adoption AUC {m['adoption_auc']}")
        print("  " + (f"promoted: {result.version}" if result.promoted else f"not promoted: {result.reason}"))

    snapshot = build_snapshot(config=config, engine=engine, samples=older_path,
                              heldout=ROOT / "data_samples" / "heldout.jsonl")
    result = step("retrain on the decisions", lambda: retrain(registry, snapshot, heldout, config=config,
                                                              reports_dir=work / "reports"))
    show(result)

    rng = random.Random(7)
    labels = [(r["categories"], r["adoption"]) for r in records.values()]
    rng.shuffle(labels)
    shuffled = work / "shuffled.jsonl"
    shuffled.write_text("".join(json.dumps(dict(r, categories=c, adoption=a), ensure_ascii=False) + "\n"
                                for r, (c, a) in zip(records.values(), labels)), encoding="utf-8")
    snapshot = build_snapshot(config=config, engine=engine, samples=older_path, data=shuffled,
                              heldout=ROOT / "data_samples" / "heldout.jsonl")
    result = step("retrain with shuffled labels (--data)", lambda: retrain(registry, snapshot, heldout,
                                                                             config=config))
    show(result)
    print(f"champion now: {registry.champion()}; work dir {work}")
    engine.dispose()


if __name__ == "__main__":
    main()
