"""TODAY() and NOW(): Excel's serial date of the moment, read as wall-clock time where it was
given; a simulation reads its request's moment in every trial, so a run is the same whenever
it is computed (engines.clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from engines.clock import as_of, now_serial, serial
from engines.compiler import compile_model
from engines.recalc import recalc_workbook
from engines.simulation import SimulationSpec, run_simulation
from engines.workbook import load_workbook
from tests.unit.engines.excel_sheet import model_workbook

EASTERN = timezone(timedelta(hours=-5))


def test_serials_are_excels() -> None:
    # Microsoft's DATE page: 1 January 1900 is serial 1, 1 January 2008 is 39448
    assert serial(datetime(2008, 1, 1)) == 39448
    assert serial(datetime(1900, 3, 1)) == 61  # after Excel's 29 February 1900
    assert serial(datetime(2026, 12, 6, 18, 0)) == 46362.75
    # the wall clock where the moment was given: 23:00 in New York is still 31 December
    assert serial(datetime(2026, 12, 31, 23, 0, tzinfo=EASTERN)) == pytest.approx(46387 + 23 / 24)


def test_outside_a_simulation_now_is_the_current_time_in_utc() -> None:
    before = serial(datetime.now(UTC))
    value = now_serial()
    assert before <= value <= serial(datetime.now(UTC))


def test_today_and_now_in_formulas() -> None:
    data = model_workbook(A1="=TODAY()", A2="=NOW()", A3="=YEAR(TODAY())",
                          A4='=TEXT(NOW(),"yyyy-mm-dd hh:mm")', A5="=NOW()-TODAY()")
    with as_of(datetime(2030, 6, 15, 13, 30, tzinfo=timezone(timedelta(hours=2)))):
        values = recalc_workbook(data)
    assert values["Model!A1"] == serial(datetime(2030, 6, 15))
    assert values["Model!A2"] == pytest.approx(serial(datetime(2030, 6, 15, 13, 30)))
    assert values["Model!A3"] == 2030
    assert values["Model!A4"] == "2030-06-15 13:30"
    assert values["Model!A5"] == pytest.approx(13.5 / 24)


def test_a_run_reads_its_moment_in_every_trial_and_again_on_any_day() -> None:
    data = model_workbook(A1="=RiskUniform(0, 1)", A2="=TODAY()+A1", A3="=NOW()")
    model = compile_model(load_workbook(data), outputs=["Model!A2", "Model!A3"])
    moment = datetime(2027, 3, 1, 6, 0, tzinfo=UTC)
    spec = SimulationSpec({}, ["Model!A2", "Model!A3"], 4000, seed=11, as_of=moment)
    first = run_simulation(model, spec).outputs
    day = serial(datetime(2027, 3, 1))
    assert day < first["Model!A2"]["min"] and first["Model!A2"]["max"] < day + 1
    assert first["Model!A2"]["mean"] == pytest.approx(day + 0.5, abs=0.01)
    assert first["Model!A3"]["min"] == first["Model!A3"]["max"] == day + 0.25
    with as_of(datetime(1999, 1, 1)):  # the machine's own time does not matter
        again = run_simulation(model, spec).outputs
    assert again == first


def test_today_is_the_date_alone_and_excels_first_two_months_of_1900() -> None:
    late = datetime(2300, 6, 15, 23, 59, 59, 999_999, tzinfo=UTC)
    data = model_workbook(A1="=TODAY()", A2="=DAY(TODAY())", A3='=DATEVALUE("1900-01-15")',
                          A4="=YEAR(TODAY())")
    with as_of(late):  # the fraction of the day must not round TODAY() into the 16th
        assert recalc_workbook(data)["Model!A2"] == 15
    with as_of(datetime(9999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)):
        assert recalc_workbook(data)["Model!A4"] == 9999
    with as_of(datetime(1900, 1, 15, 12, tzinfo=UTC)):
        values = recalc_workbook(data)
        assert values["Model!A1"] == values["Model!A3"] == 15
    assert serial(datetime(1900, 2, 28)) == 59 and serial(datetime(1900, 1, 1)) == 1
