"""Training reports its steps by name and the share of the work each took, so `briefs train`
(and `make run` on a fresh machine) can show a bar with the time left."""

import pytest

from training.train import train_model


def test_steps_are_named_in_order_and_their_shares_add_up_to_the_whole(small_set, config):
    events = []
    train_model(small_set, config=config, progress=lambda m: events.append(("step", m)),
                advance=lambda share: events.append(("share", share)))

    steps = [m for kind, m in events if kind == "step"]
    assert steps == ["训练类别与紧急程度模型", "交叉预测 1/4", "交叉预测 2/4", "交叉预测 3/4", "交叉预测 4/4",
                     "训练采用预测模型"]
    shares = [s for kind, s in events if kind == "share"]
    assert len(shares) == 6 and all(s > 0 for s in shares)
    assert sum(shares) == pytest.approx(1.0)
    # Each share is reported once its step is over: the next step's name comes after it.
    assert [kind for kind, _ in events] == ["step", "share"] * 6
