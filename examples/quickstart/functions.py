"""Step functions of the quickstart. Plain Python: dagc passes parameters as keyword arguments by name and
records a returned dict as new parameters."""
from pathlib import Path

from dagc import track_this


def prepare(rows: int):
    Path("data").mkdir(exist_ok=True)
    lines = ["x,y"] + [f"{i},{2 * i + 1}" for i in range(rows)]
    Path("data/prepared.csv").write_text("\n".join(lines) + "\n")
    track_this(rows=rows)
    return {"n": rows}


def train(model: str, n: int):
    data = Path("data/prepared.csv").read_text().splitlines()[1:]
    score = len(data) * (3 if model == "tree" else 2)
    Path(f"data/model-{model}.txt").write_text(f"{score}\n")
    print(f"trained {model} on {n} rows: score {score}")
    track_this(score=score)
