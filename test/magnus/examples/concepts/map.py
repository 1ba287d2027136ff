# Step functions for magnus 0.5's examples/concepts/map.yaml (and examples/executors/argo-map-sequential.yaml),
# written for dagc's tests from the pipeline's description: "chunk files" decides the batches and sets the
# parameters chunks (the start index of every batch) and stride (files per batch); "execute" runs once per
# chunk with its start_index.

NUM_FILES = 30
STRIDE = 10


def chunk_files():
    return {
        "num_files": NUM_FILES,
        "stride": STRIDE,
        "chunks": list(range(0, NUM_FILES, STRIDE)),
    }


def process_chunk(stride: int, start_index: int):
    # The map value arrives as the integer it was in the list (not its string form), beside the parameter.
    assert isinstance(start_index, int) and isinstance(stride, int), (start_index, stride)
    print(f"processing files {start_index} to {start_index + stride - 1}")
