"""The Python package `tidb-vector`'s own text codec (tidb_vector.utils.encode_vector / decode_vector), timed
on the vectors the Rust codec benchmark wrote to target/bench-vectors/. Prints `PYBENCH <op> <dims> <ns>`."""
import pathlib
import sys
import timeit

import numpy as np
import tidb_vector
from tidb_vector.utils import decode_vector, encode_vector

vectors = pathlib.Path(sys.argv[1])
print(f"PYBENCH\tversion\ttidb-vector\t{tidb_vector.__version__}")
for dims in (3, 768, 1536):
    text = (vectors / f"{dims}.txt").read_text()
    as_list = [float(x) for x in text[1:-1].split(",")]
    as_array = np.array(as_list, dtype=np.float32)
    assert len(decode_vector(text)) == dims
    for op, call in (
        ("encode_list", lambda: encode_vector(as_list)),
        ("encode_ndarray", lambda: encode_vector(as_array)),
        ("decode", lambda: decode_vector(text)),
    ):
        timer = timeit.Timer(call)
        number, _ = timer.autorange()
        best = min(timer.repeat(repeat=5, number=number)) / number
        print(f"PYBENCH\t{op}\t{dims}\t{best * 1e9:.0f}")
