"""Scale-out: ``sweep`` and ``study("fig5"|"fig6"|"polytope")`` cut into shards and run through ``map=`` (the
builtin, a process pool) or ``client=`` (a dask ``LocalCluster`` of 2 workers) give the serial
call's result exactly."""

import concurrent.futures
import multiprocessing

import numpy as np
import pytest

import lowrank

FIG5 = dict(grid=3, samples=1, t=10.0)
FIG6 = dict(g1=[0.3, 0.9, 1.5, 2.1, 2.7], t=8.0, dt=0.1)
POLYTOPE = dict(fracture_draws=30, regions=4, seed=3)
# worker processes must be started fresh ("spawn"): a forked child inherits the parent's thread
# pool state without its threads, and the engine's parallel loops would wait forever
SPAWN = multiprocessing.get_context("spawn")


def same_sweep(a, b):
    assert a.keys() == b.keys()
    for k in a:
        x, y = np.asarray(a[k]), np.asarray(b[k])
        assert x.dtype == y.dtype and x.shape == y.shape, k
        if x.dtype.kind == "f":
            assert np.array_equal(x, y, equal_nan=True), k
        else:
            assert (x == y).all(), k


def sweep_case():
    sc = lowrank.Scenario("mo2018-fig1")
    return sc, {"mo2018.g": np.linspace(0.5, 2.5, 9)}


def test_sweep_through_map_equals_serial():
    sc, grid = sweep_case()
    serial = lowrank.sweep(sc, grid)
    for shards in (1, 3, 7):
        same_sweep(lowrank.sweep(sc, grid, map=map, shards=shards), serial)
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=SPAWN) as pool:
        same_sweep(lowrank.sweep(sc, grid, map=pool.map, shards=4), serial)


def test_fig5_through_map_equals_serial():
    serial = lowrank.study("fig5", **FIG5)
    for shards in (1, 3, 7):
        assert lowrank.study("fig5", map=map, shards=shards, **FIG5) == serial
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=SPAWN) as pool:
        assert lowrank.study("fig5", map=pool.map, shards=3, **FIG5) == serial


def test_fig6_and_polytope_through_map_equal_serial():
    fig6 = lowrank.study("fig6", **FIG6)
    poly = lowrank.study("polytope", **POLYTOPE)
    assert sum(poly["fracture_statistics"]["counts"]) == 30
    for shards in (1, 3, 7):
        assert lowrank.study("fig6", map=map, shards=shards, **FIG6) == fig6
        assert lowrank.study("polytope", map=map, shards=shards, **POLYTOPE) == poly
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=SPAWN) as pool:
        assert lowrank.study("polytope", map=pool.map, shards=3, **POLYTOPE) == poly


def test_bad_scale_out_options():
    sc, grid = sweep_case()
    with pytest.raises(lowrank.ScenarioError, match="shards"):
        lowrank.sweep(sc, grid, map=map, shards=0)
    with pytest.raises(lowrank.ScenarioError, match="not both"):
        lowrank.study("fig5", map=map, client=object(), **FIG5)


def test_dask_local_cluster_equals_serial():
    distributed = pytest.importorskip("dask.distributed")
    sc, grid = sweep_case()
    serial_sweep = lowrank.sweep(sc, grid)
    serial_fig5 = lowrank.study("fig5", **FIG5)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        same_sweep(lowrank.sweep(sc, grid, client=client), serial_sweep)
        assert lowrank.study("fig5", client=client, **FIG5) == serial_fig5
        assert lowrank.study("fig6", client=client, **FIG6) == lowrank.study("fig6", **FIG6)
