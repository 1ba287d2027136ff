"""Prints magnus's own dag_hash of each pipeline file given, one `<sha1> <file>` line each.

Run with a Python that has magnus installed (e.g. `pip install magnus==0.5.1` in a virtual environment). It calls
magnus's functions the way magnus 0.5.1's entrypoints.prepare_configurations does: utils.load_yaml(pipeline_file),
then utils.get_dag_hash(pipeline_config["dag"]). dagc records the output in fixtures/dag-hashes/ and checks
`dagc hash` against it (test/dag-hash-vectors.test.ts).
"""

import sys

from magnus import utils

for name in sys.argv[1:]:
    print(f"{utils.get_dag_hash(utils.load_yaml(name)['dag'])} {name}")
