# Stand-ins for magnus 0.5's examples/functions.py (return_parameter / display_parameter), written for dagc's
# tests: the first returns x and y, the second consumes them.


def return_parameter():
    return {"x": 1, "y": {"foo": 10, "bar": "hello world"}}


def display_parameter(x: int, y: dict):
    print(f"x={x} y={y}")
    assert x == 1 and y["foo"] == 10
