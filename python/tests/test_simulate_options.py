"""``lowrank.simulate`` checks its options with the command line's rules (one implementation,
``lowrank::simulation::RunOptions``): each bad value is a ScenarioError whose ``field`` is the
keyword argument and whose message names it."""

import pytest

import lowrank

CASES = [
    (dict(dt=0.0), "dt"),
    (dict(t=float("nan")), "t"),
    (dict(max_lag=1e9), "max_lag"),
    (dict(lag_step=1.0), "lag_step"),
    (dict(max_lag=10.0, lag_step=20.0), "lag_step"),
    (dict(max_lag=10.0, lag_step=0.0123), "lag_step"),
    (dict(n=0), "n"),
    (dict(trials=0), "trials"),
    (dict(method="x"), "method"),
    (dict(burn_in=-1.0), "burn_in"),
    (dict(t=0.01, dt=0.1), "dt"),
    (dict(record_every=-1.0), "record_every"),
]


@pytest.mark.parametrize("kwargs,field", CASES)
def test_bad_option_names_its_keyword(kwargs, field):
    sc = lowrank.Scenario("mo2018-fig1")
    with pytest.raises(lowrank.ScenarioError) as e:
        lowrank.simulate(sc, **kwargs)
    assert e.value.field == field
    assert str(e.value).startswith(field)
    assert "--" not in str(e.value)
