"""`claude-pm quality` and `collect_quality` on a log with planted outcomes (both backends)."""

from __future__ import annotations

import json

import pytest
from claude_pm.cli import main
from claude_pm.decision_log import open_store
from claude_pm.quality import wilson_interval
from claude_pm.quality.report import collect_quality, score_bands
from conftest import cli_runner
from decision_log_support import decision, log_target
from quality_support import plant_log, record_outcomes

__all__ = ["log_target"]


def test_wilson_interval_matches_known_values():
    # Reference values: Wilson (1927) / Newcombe (1998) table, 95 %.
    low, high = wilson_interval(1, 10)
    assert (round(low, 4), round(high, 4)) == (0.0179, 0.4042)
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and round(high, 4) == 0.2775
    low, high = wilson_interval(10, 10)
    assert round(low, 4) == 0.7225 and high == 1.0
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError, match="failures=11"):
        wilson_interval(11, 10)


def test_score_bands_cover_0_to_100_once():
    for width in (1, 3, 7, 10, 33, 50, 100):
        bands = score_bands(width)
        covered = [score for low, high in bands for score in range(low, high + 1)]
        assert covered == list(range(101)), width


def test_the_report_finds_the_band_where_haiku_fails_more_than_sonnet(log_target):
    planted = plant_log(log_target)
    report = collect_quality("7d", "score-band")
    assert report["decisions"] == 2000 and report["outcomes_known"] == 2000
    assert report["worse_on_cheaper_tier"] == [{"band": "20-29", "cheaper": "haiku", "stronger": "sonnet"}]
    band = next(band for band in report["tier_comparison"] if band["band"] == "20-29")
    haiku, sonnet = band["tiers"]["haiku"], band["tiers"]["sonnet"]
    assert haiku["failure_rate_low"] > sonnet["failure_rate_high"]
    assert band["boundary"] == []
    # The 30-39 band holds the SIMPLE/MEDIUM threshold; both tiers fail alike there.
    boundary = next(band for band in report["tier_comparison"] if band["band"] == "30-39")
    assert boundary["boundary"] == ["simple"] and boundary["worse_on_cheaper_tier"] == []
    # Totals per tier agree with what was planted.
    by_tier = {row["group"]: row for row in collect_quality("7d", "tier")["groups"]}
    for tier, rows in planted.items():
        assert by_tier[tier]["failures"] == sum(failed for _, failed in rows)
        assert by_tier[tier]["outcomes_known"] == len(rows)
        low, high = wilson_interval(by_tier[tier]["failures"], len(rows))
        assert (by_tier[tier]["failure_rate_low"], by_tier[tier]["failure_rate_high"]) == (low, high)
    assert list(by_tier) == ["haiku", "sonnet"]


def test_unknown_outcomes_and_decisions_without_outcomes_are_not_failures(log_target):
    records = [decision(tier="haiku", score=10, agent="qa") for _ in range(4)]
    record_outcomes(log_target, records, [False, True, None])  # the fourth has no outcome at all
    [row] = collect_quality("7d", "agent")["groups"]
    assert (row["group"], row["decisions"], row["outcomes"], row["outcomes_known"], row["failures"]) == (
        "qa",
        4,
        3,
        2,
        1,
    )
    assert row["failure_rate"] == 0.5


def test_grouping_by_level_orders_the_levels(log_target):
    records = [decision(level=level, tier="sonnet") for level in ("COMPLEX", "SIMPLE", "MEDIUM")] + [
        decision(level=None, score=None)
    ]
    record_outcomes(log_target, records, [True, False, True, True])
    assert [row["group"] for row in collect_quality("7d", "level")["groups"]] == ["SIMPLE", "MEDIUM", "COMPLEX", "none"]


def test_cli_prints_the_comparison_and_json(log_target):
    plant_log(log_target, per_tier=400)
    runner = cli_runner()
    table = runner.invoke(main, ["quality", "--since", "7d", "--by", "score-band"])
    assert table.exit_code == 0, table.output
    [line] = [line for line in table.stdout.splitlines() if "haiku > sonnet" in line]
    assert "20-29" in line
    as_json = runner.invoke(main, ["quality", "--since", "7d", "--by", "tier", "--json"])
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert [row["group"] for row in document["groups"]] == ["haiku", "sonnet"]
    assert document["worse_on_cheaper_tier"][0]["band"] == "20-29"


def _one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0]


def test_cli_bad_input_is_one_line_and_exit_2(log_target):
    runner = cli_runner()
    open_store(log_target).close()  # an empty, migrated log
    _one_line_error(runner.invoke(main, ["quality", "--since", "7d"]), "no decisions in this window")
    _one_line_error(runner.invoke(main, ["quality", "--since", "soon"]), "--since='soon'")
    _one_line_error(runner.invoke(main, ["quality", "--band-width", "0"]), "--band-width=0", "1 to 100")


def test_library_bad_arguments_name_them(log_target):
    with pytest.raises(ValueError, match="by='model'"):
        collect_quality("7d", "model")
    with pytest.raises(ValueError, match="band_width=0"):
        collect_quality("7d", "score-band", band_width=0)
