"""Statistical secrecy against differencing, as the préfecture sees the pages (product.md,
« Access and privacy »: « No masked cell may be recoverable by differencing two views »).

Every attack of tests/attacks.py runs once per module through AppTest on the département
sample (the default one the generator makes, as ``make sample``), as role « prefecture »;
the truth is computed independently from the parquet files. For each attack the tests ask:
the exact hidden value is recovered for at most a minority of the cells (rate < 0.5), never
with certainty (the attacker can be sure of a value only on a display that does not say it
is perturbed, or when every cell came out exact), and the same query shows the same figures
again. The record-key secret of the cell key perturbation is a fixed test file, so the noise,
hence every measured rate, is the same on every run.

Written for the disclosure of the spec (cell key perturbation, then suppression with
secondary suppression): on suppression alone these attacks recover every cell (rate 1.0),
and the tests say so with the measured rate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import attacks

pytestmark = pytest.mark.slow  # heavy: run by make test after the fast group

MINORITY = 0.5


@pytest.fixture(scope="module")
def campaign(generated_sample: Path, tmp_path_factory: pytest.TempPathFactory):
    """Every attack, run once for the module (about 120 page runs, under a minute)."""
    work = tmp_path_factory.mktemp("attacks")
    audit = work / "audit"
    audit.mkdir(mode=0o700)
    secret = work / "secret" / "cle_enregistrements.bin"
    secret.parent.mkdir(mode=0o700)
    secret.write_bytes(attacks.TEST_SECRET)
    secret.chmod(0o600)
    pages = attacks.Pages(
        generated_sample,
        audit / "audit.jsonl",
        role="prefecture",
        env={"RSA_RECORD_KEY_FILE": str(secret)},
    )
    truth = attacks.GroundTruth(generated_sample)
    with pages.session():
        evaluator = {
            "cohort": pages.open(
                attacks.COHORT_PAGE,
                role="evaluateur",
                c_commune=[attacks.BIG_COMMUNE],
                c_periode="aucune",
            ),
            "caseload": pages.open(
                attacks.INTENSITY_PAGE, role="evaluateur", sexe="f", modalite="social"
            ),
        }
        result = attacks.run_all(pages, truth)
    return result, truth, evaluator


def _failure(result: attacks.AttackResult) -> str:
    lines = [result.summary(), f"how: {result.how}"]
    lines += [
        f"  {'exact' if c.exact else 'miss '} {c.target}: truth {c.truth}, derived {c.derived}"
        f" ({c.how})"
        for c in result.cells[:8]
    ]
    return "\n".join(lines)


def _secure(result: attacks.AttackResult, min_cells: int) -> None:
    assert result.attacked >= min_cells, _failure(result)
    assert result.rate < MINORITY, (
        f"exact recovery for {result.exact}/{result.attacked} cells "
        f"({result.rate:.0%}), not a minority\n{_failure(result)}"
    )
    assert not result.certain, f"the attacker can be certain\n{_failure(result)}"
    assert result.repeat_identical, f"the same query shows other figures\n{_failure(result)}"


def test_the_truth_is_what_an_evaluator_sees(campaign) -> None:  # type: ignore[no-untyped-def]
    """The attacks' truth (plain Polars over the parquet files) is the raw figure the
    evaluator role sees: the harness reads pages right and computes the truth right."""
    _, truth, evaluator = campaign
    size = attacks.cohort_size(evaluator["cohort"])
    assert size == truth.count(communes=[attacks.BIG_COMMUNE])
    shown = evaluator["caseload"].table_with("group", "personnes")
    expected = truth.caseload_by_group({"sexe": "f", "modalite": "social"})
    assert {g: attacks.parse_count(n) for g, n in shown.select("group", "personnes").rows()} == (
        expected
    )


def test_commune_pair_differencing(campaign) -> None:  # type: ignore[no-untyped-def]
    """[big + small] − [big] on « Cohortes et exports » over 24 communes of 1 to 10."""
    result = campaign[0].by_key()["commune_differencing"]
    assert all(1 <= c.truth <= 10 for c in result.cells)
    _secure(result, min_cells=20)


def test_commune_pair_differencing_with_an_attribute(campaign) -> None:  # type: ignore[no-untyped-def]
    """The same pairs under sexe = f: how many women (1 to 10) live in small communes."""
    _secure(campaign[0].by_key()["attribute_differencing"], min_cells=20)


def test_moving_the_period_end_by_one_day(campaign) -> None:  # type: ignore[no-untyped-def]
    """« dont Laonnois » over [A, B + 1] − over [A, B]: the pilot's entrants of one day."""
    result = campaign[0].by_key()["period_shift"]
    assert any(c.target.endswith("2024-09-02") for c in result.cells)
    _secure(result, min_cells=20)


def test_no_one_matches_message_does_not_tell_0_from_1_to_10(campaign) -> None:  # type: ignore[no-untyped-def]
    """« Aucune personne ne correspond » must not be a yes/no answer about one person."""
    _secure(campaign[0].by_key()["empty_message"], min_cells=10)


def test_monthly_chart_does_not_tell_0_from_1_to_10(campaign) -> None:  # type: ignore[no-untyped-def]
    """Nor may the cohort's monthly chart, by having bars or none."""
    _secure(campaign[0].by_key()["empty_chart"], min_cells=10)


def test_caseload_masked_territoire_not_recoverable_from_totals(campaign) -> None:  # type: ignore[no-untyped-def]
    """« Intensité », caseload by territoire: a lone masked bar is not Reste − the others,
    nor Ensemble − Reste."""
    _secure(campaign[0].by_key()["caseload_totals"], min_cells=5)


def test_caseload_masked_organisme_not_recoverable_from_its_territoire(campaign) -> None:  # type: ignore[no-untyped-def]
    """Caseload by organisme: a lone masked organisme is not its territoire − the others."""
    _secure(campaign[0].by_key()["caseload_detail"], min_cells=5)


def test_identical_queries_give_identical_figures(campaign) -> None:  # type: ignore[no-untyped-def]
    """The same query, recomputed (caches cleared) or with its communes in the other order,
    shows the same figures: repeating a query gives nothing more to average."""
    repeat = campaign[0].repeat
    assert repeat.queries and repeat.identical, repeat.queries
