# Stand-ins for magnus 0.5's examples/concepts/map.py, written for dagc's differential tests from the pipeline's
# description: "chunk files" returns (as a pydantic model, as 0.5 requires) the start index of every batch and
# the stride; "execute" runs once per chunk with its start_index.
from pydantic import BaseModel


class ChunkModel(BaseModel):
    num_files: int
    stride: int
    chunks: list


def chunk_files() -> ChunkModel:
    return ChunkModel(num_files=30, stride=10, chunks=list(range(0, 30, 10)))


def process_chunk(stride: int, start_index: int):
    print(f"processing files {start_index} to {start_index + stride - 1}")
