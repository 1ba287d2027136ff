# Stand-ins for magnus 0.5's examples/functions.py, written for dagc's differential tests from the example's
# description (examples/python-tasks.yaml): the first step returns x and y as a pydantic model (0.5 accepts only
# a model as a return value), the second is annotated with the model, so magnus 0.5 casts the dict parameter
# back into it ("arguments with type annotations will be casted") and `y.foo` works.
from pydantic import BaseModel


class InnerModel(BaseModel):
    foo: int
    bar: str


class ParamsModel(BaseModel):
    x: int
    y: InnerModel


def return_parameter() -> ParamsModel:
    return ParamsModel(x=1, y=InnerModel(foo=10, bar="hello world"))


def display_parameter(x: int, y: InnerModel):
    print(f"x={x} foo={y.foo} bar={y.bar}")
    assert isinstance(y, InnerModel) and y.foo == 10
