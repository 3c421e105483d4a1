"""The quarantine rules have one source: the SQL that applies them. These tests pin that
source against the data contract (../shared/spec/data-contract.md, « Validation »)."""

from __future__ import annotations

import re

from queries import schema
from queries.snapshots import SQL_DIR

# The contract's order, as the spec writes it (« Rules apply in this order … »).
CONTRACT_ORDER = {
    "beneficiaires": (
        "duplicate_beneficiaire",
        "fin_avant_ouverture",
        "date_future",
        "valeur_invalide",
    ),
    "orientations": ("date_future", "orphelin", "orientation_avant_ouverture", "valeur_invalide"),
    "activites": ("date_future", "orphelin", "valeur_invalide", "doublon"),
    "contacts": ("date_future", "orphelin", "valeur_invalide"),
    "emplois": ("date_future", "orphelin", "valeur_invalide"),
    "referents": ("valeur_invalide", "doublon"),
}


def test_every_rule_each_sql_file_can_emit_is_listed_in_contract_order() -> None:
    """The rules a table's SQL emits, then those applied after it on its rows together
    (activites' doublon, queries/events.py), are the contract's, in its order."""
    for table, expected in CONTRACT_ORDER.items():
        sql = (SQL_DIR / f"{table}.sql").read_text(encoding="utf-8")
        code = "\n".join(line.split("--", 1)[0] for line in sql.splitlines())
        emitted = re.findall(r"'([a-z_]+)'", " ".join(re.findall(r"THEN\s+'[a-z_]+'", code)))
        after = schema.RULES_AFTER_SQL.get(table, ())
        assert tuple(dict.fromkeys(emitted)) + after == expected, table
        assert schema.RULES[table] == expected, table
    assert set(schema.RULES) == set(schema.TABLES)


def test_rules_read_from_sql_ignore_comments_and_keep_order() -> None:
    sql = """
    -- THEN 'commentee' is not a rule
    CASE WHEN a THEN 'premiere' WHEN b THEN 'seconde' WHEN c THEN 'premiere' END
    """
    assert schema.rules_in_sql(sql) == ("premiere", "seconde")


def test_every_rule_has_a_french_label_and_is_documented() -> None:
    doc = (SQL_DIR.parent.parent / "docs" / "data-contract.md").read_text(encoding="utf-8")
    for rules in schema.RULES.values():
        for rule in rules:
            assert rule in schema.LABELS_FR, rule
            assert f"`{rule}`" in doc, rule
