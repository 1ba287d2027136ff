# Step functions of the floats case. Arguments are annotated `dict` because magnus 0.5 casts every argument
# with its annotation (an unannotated one fails there), and dict() keeps the types of the values inside.
try:
    from magnus import set_parameter
except ImportError:  # magnus before 0.5 named it store_parameter
    from magnus import store_parameter as set_parameter
from magnus import get_parameter, track_this


def set_floats(nums: dict):
    kinds = {k: type(v).__name__ for k, v in sorted(nums.items())}
    print(kinds)
    assert kinds == {"big": "float", "f": "float", "i": "int", "small": "float"}, kinds
    set_parameter(g=2.0, h=3)
    track_this(answer=42.0, count=7)


def read_back():
    g, h, ratio = get_parameter("g"), get_parameter("h"), get_parameter("ratio")
    print(type(g).__name__, type(h).__name__, type(ratio).__name__)
    assert (type(g), type(h), type(ratio)) == (float, int, float), (g, h, ratio)
