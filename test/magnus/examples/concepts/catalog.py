# Step functions for magnus 0.5's examples/concepts/catalog.yaml, written for dagc's tests from the pipeline's
# description: two steps each create a file in their own folder (the pipeline puts both in the catalog), a
# shell step deletes "another", and the last step reads both files back (the pipeline gets them with '**/*').
from pathlib import Path

HELLO = "Hello from data folder!!\n"
WORLD = "Hello from another folder!!\n"


def create_content_in_data_folder():
    Path("data").mkdir(parents=True, exist_ok=True)
    Path("data/hello.txt").write_text(HELLO)


def create_content_in_another_folder():
    Path("another").mkdir(parents=True, exist_ok=True)
    Path("another/world.txt").write_text(WORLD)


def retrieve_content_from_both():
    # Raises FileNotFoundError (a failed step) unless the catalog get restored both files.
    hello = Path("data/hello.txt").read_text()
    world = Path("another/world.txt").read_text()
    assert (hello, world) == (HELLO, WORLD), (hello, world)
    print(hello + world, end="")
