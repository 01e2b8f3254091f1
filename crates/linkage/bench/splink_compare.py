#!/usr/bin/env python3
"""Run Splink (DuckDB backend) on the files `linkage-bench births --dir DIR` wrote,
with blocking rules comparable to renkou-linkage's, and print F1 and wall time.

    python3 -m venv /tmp/splinkenv && /tmp/splinkenv/bin/pip install splink
    /tmp/splinkenv/bin/python crates/linkage/bench/splink_compare.py DIR

Splink gets the general-purpose comparisons a user would reach for (Jaro-Winkler on
names, Levenshtein on ID numbers, date differences), the same dates normalised to ISO
(renkou-linkage parses the same spellings), and the same greedy one-to-one assignment
and the same scoring against the generator's truth (an entity number per record).
Its blocking matches ours except that the third rule uses the mother's name as
written instead of its pinyin (Splink has no pinyin).

Not a test dependency: nothing in `cargo test` runs Python.
"""

import sys
import time

import duckdb
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


# The interchange date spellings (YYYY-MM-DD, YYYY/M/D, YYYYMMDD, YYYY年M月D日) to ISO,
# in SQL (a Python UDF would need numpy).
ISO_MACRO = r"""
create or replace macro iso(d) as case
  when d is null or d = '' then null
  when regexp_full_match(d, '[0-9]{8}')
    then substr(d, 1, 4) || '-' || substr(d, 5, 2) || '-' || substr(d, 7, 2)
  when regexp_full_match(d, '[0-9]{4}[-/.年][0-9]{1,2}[-/.月][0-9]{1,2}日?')
    then printf('%04d-%02d-%02d',
      cast(regexp_extract(d, '^([0-9]{4})', 1) as int),
      cast(regexp_extract(d, '^[0-9]{4}[-/.年]([0-9]{1,2})', 1) as int),
      cast(regexp_extract(d, '[-/.月]([0-9]{1,2})日?$', 1) as int))
  else null end
"""


def load(con, path, name):
    con.execute(ISO_MACRO)
    con.execute(
        f"""
        create table {name} as
        select
            record_id as unique_id,
            nullif(child_name, '') as child_name,
            case child_sex when '男' then '1' when '女' then '2' else nullif(child_sex, '') end as child_sex,
            iso(birth_date) as birth_date,
            nullif(birth_order, '') as birth_order,
            nullif(mother_name, '') as mother_name,
            nullif(upper(mother_id_number), '') as mother_id_number,
            iso(mother_birth_date) as mother_birth_date,
            substr(iso(mother_birth_date), 1, 4) as mother_birth_year,
            nullif(father_name, '') as father_name,
            nullif(upper(father_id_number), '') as father_id_number,
            nullif(region_code, '') as region_code,
            substr(region_code, 1, 9) as township
        from read_csv('{path}', all_varchar = true, header = true)
        """
    )


def truth(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        next(f)
        for line in f:
            rid, e = line.strip().split(",")
            out[rid] = int(e)
    return out


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: splink_compare.py DIR  (files from `linkage-bench births --dir DIR`)")
    d = sys.argv[1].rstrip("/")
    t0 = time.time()
    con = duckdb.connect()
    load(con, f"{d}/ledger.csv", "ledger")
    load(con, f"{d}/hospital.csv", "hospital")
    db_api = DuckDBAPI(connection=con)
    left = db_api.register("ledger")
    right = db_api.register("hospital")

    region = cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("region_code"),
            cll.ExactMatchLevel("region_code"),
            cll.CustomLevel('"township_l" = "township_r"'),
            cll.ElseLevel(),
        ],
        output_column_name="region_code",
    )
    rules = [
        block_on("mother_id_number"),
        block_on("birth_date", "township"),
        block_on("mother_name", "mother_birth_year"),
    ]
    settings = SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=rules,
        comparisons=[
            cl.JaroWinklerAtThresholds("child_name", [0.9, 0.7]),
            cl.ExactMatch("child_sex"),
            cl.AbsoluteDateDifferenceAtThresholds(
                "birth_date", input_is_string=True, metrics=["day", "day"], thresholds=[1, 31]
            ),
            cl.ExactMatch("birth_order"),
            cl.JaroWinklerAtThresholds("mother_name", [0.9, 0.7]),
            cl.LevenshteinAtThresholds("mother_id_number", [1, 2]),
            cl.ExactMatch("mother_birth_date"),
            cl.JaroWinklerAtThresholds("father_name", [0.9, 0.7]),
            cl.LevenshteinAtThresholds("father_id_number", [1, 2]),
            region,
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker([left, right], settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("mother_id_number", "birth_date")], recall=0.9
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("mother_id_number"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date", "township"))
    preds = linker.inference.predict(threshold_match_probability=0.2)
    rows = preds.as_duckdbpyrelation().select("unique_id_l, unique_id_r, match_probability").fetchall()
    t_model = time.time() - t0

    # Same greedy one-to-one as renkou-linkage, then score at 0.5.
    rows.sort(key=lambda r: -r[2])
    used_l, used_r, links = set(), set(), []
    for l, r, p in rows:
        if l in used_l or r in used_r:
            continue
        used_l.add(l)
        used_r.add(r)
        links.append((l, r, p))
    le = truth(f"{d}/ledger_truth.csv")
    he = truth(f"{d}/hospital_truth.csv")
    linkable = set(le.values()) & set(he.values())
    for thr in (0.5, 0.9):
        chosen = [(l, r) for l, r, p in links if p >= thr]
        tp = sum(1 for l, r in chosen if le[l] == he[r])
        found = {le[l] for l, r in chosen if le[l] == he[r]}
        prec = tp / len(chosen) if chosen else 1.0
        rec = len(found) / len(linkable)
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        print(
            f"splink @p>={thr}: precision {prec:.5f} recall {rec:.5f} F1 {f1:.5f} "
            f"(TP {tp} FP {len(chosen) - tp} FN {len(linkable) - len(found)})"
        )
    print(f"splink wall time (load, train, predict; one-to-one excluded): {t_model:.2f}s, {len(rows)} scored pairs")


if __name__ == "__main__":
    main()
