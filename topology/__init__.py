"""The map: spans, edges, linking, the graph and its questions, the store."""

import os

# numpy's BLAS starts a thread per core for a matrix product. The products here are small
# (one cycle of the map, at most a few hundred rows), and on a busy machine those threads
# spin against each other and against the answer workers: making the cycle solvers of a
# 5,000-service map took 0.75-1.2 s so, 0.15 s on one thread. One thread each, unless the
# environment says otherwise; this runs before any module of the map imports numpy.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")
