# Step functions for running magnus's reference probe pipelines (shared/spec/magnus-reference/*/three-step.yaml,
# failing.yaml, map.yaml) under dagc. Written for dagc's tests to behave like the probe's functions, so the
# run logs can be compared with what magnus recorded.
import os
from pathlib import Path

from magnus import get_parameter, track_this


def prepare(x):
    Path("data").mkdir(exist_ok=True)
    Path("data/prepared.txt").write_text(f"x={x}\n")
    track_this(rows=10, summary={"mean": 1.5})
    return {"y": int(x) + 1, "items": ["a", "b"]}


def train(y, x=None):
    content = Path("data/prepared.txt").read_text()
    Path("data/model.txt").write_text(content + f"y={y}\n")
    return {"score": y * 10, "run_id_seen": os.environ.get("MAGNUS_RUN_ID")}


def per_item(item, y):
    Path(f"data/item-{item}.txt").write_text(str(y))
    return {"last_item": item}


def fail_always():
    if not os.environ.get("LET_IT_PASS"):
        raise ValueError("deliberate failure")


def notify():
    print("notified", get_parameter())
