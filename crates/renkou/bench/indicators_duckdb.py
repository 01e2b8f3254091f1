#!/usr/bin/env python3
"""The indicators benchmark's reference: the same catalogue (indicators.md) for every
village, township and the county for one year, computed by DuckDB straight from the
exported persons CSV. Not a runtime dependency of renkou; `pip install duckdb`.

    renkou --database big.db export persons --region 349901 --out persons.csv
    renkou --database big.db indicators --region 349901 --year 2025 --level all --out ours.json
    python3 crates/renkou/bench/indicators_duckdb.py persons.csv --year 2025 --check ours.json

Prints the median of 5 runs of
  - csv:   read the CSV and compute (what "straight from the CSV" costs), and
  - table: the CSV already loaded into an in-memory DuckDB table, compute only
           (the fair comparison with renkou's warm database),
and with --check, compares every figure with renkou's JSON output.

The SQL follows the "Terms" of indicators.md: P and W on 1 July of the year, B and D
by registered region whatever the residence, the mother's completed years at the
birth, birth order = rank among the mother's children by birth date then person
number (ROW_NUMBER over all her children in the register). Persons are grouped by
their registered village, rolled up to township (9 digits) and county (6 digits);
the demo county puts nobody in a region that ended before the year, so no successor
mapping is needed here (renkou does it).
"""

import argparse
import json
import math
import statistics
import sys
import time

import duckdb

CODES = [
    "population_midyear", "births", "cbr", "gfr",
    "asfr_15_19", "asfr_20_24", "asfr_25_29", "asfr_30_34", "asfr_35_39", "asfr_40_44", "asfr_45_49",
    "tfr", "srb", "srb_order1", "srb_order2", "srb_order3p",
    "share_order1", "share_order2", "share_order3p", "deaths", "cdr", "natural_increase_rate",
]


def catalogue_sql(source: str, year: int) -> str:
    first, last, ref = f"DATE '{year}-01-01'", f"DATE '{year}-12-31'", f"DATE '{year}-07-01'"
    # Completed years from a to b: year difference, minus one before the birthday.
    def age(a: str, b: str) -> str:
        return (f"(year({b}) - year({a}) - CASE WHEN month({b}) * 32 + day({b}) "
                f"< month({a}) * 32 + day({a}) THEN 1 ELSE 0 END)")

    def r(num: str, den: str, k: str) -> str:
        return f"CASE WHEN {den} > 0 THEN {k} * ({num}) / ({den}) END"

    asfr = [r(f"b{a}", f"w{a}", "1000.0") for a in range(7)]
    return f"""
WITH p AS (SELECT person_id, sex, birth_date, death_date, region_code, mother_id, residence FROM {source}),
x AS (
  SELECT p.region_code, p.sex, p.residence, p.birth_date, p.death_date, m.birth_date AS mbd,
         CASE WHEN p.mother_id IS NOT NULL THEN
           row_number() OVER (PARTITION BY p.mother_id ORDER BY p.birth_date, p.person_id) END AS ord
  FROM p LEFT JOIN p AS m ON m.person_id = p.mother_id
),
f AS (
  SELECT substr(region_code, 1, 6) AS cty, substr(region_code, 1, 9) AS twp, region_code AS vil, sex,
    residence <> 'outflow' AND birth_date <= {ref} AND (death_date IS NULL OR death_date > {ref}) AS inp,
    {age('birth_date', ref)} AS age,
    birth_date BETWEEN {first} AND {last} AS born,
    death_date BETWEEN {first} AND {last} AS died,
    CASE WHEN mbd IS NOT NULL THEN {age('mbd', 'birth_date')} END AS mage,
    CASE WHEN ord IS NOT NULL THEN LEAST(ord, 3) END AS o  -- LEAST ignores NULLs in DuckDB
  FROM x
),
c AS (
  SELECT CASE WHEN GROUPING(twp) = 1 THEN cty || '000000'
              WHEN GROUPING(vil) = 1 THEN twp || '000'
              ELSE vil END AS region,
    count(*) FILTER (WHERE inp) AS pop,
    {", ".join(f"count(*) FILTER (WHERE inp AND sex = 2 AND age BETWEEN {15 + 5 * a} AND {19 + 5 * a}) AS w{a}" for a in range(7))},
    count(*) FILTER (WHERE born) AS b,
    count(*) FILTER (WHERE born AND sex = 1) AS bm,
    count(*) FILTER (WHERE born AND sex = 2) AS bf,
    {", ".join(f"count(*) FILTER (WHERE born AND mage BETWEEN {15 + 5 * a} AND {19 + 5 * a}) AS b{a}" for a in range(7))},
    {", ".join(f"count(*) FILTER (WHERE born AND o = {k}) AS o{k}, count(*) FILTER (WHERE born AND o = {k} AND sex = 1) AS om{k}, count(*) FILTER (WHERE born AND o = {k} AND sex = 2) AS of{k}" for k in (1, 2, 3))},
    count(*) FILTER (WHERE died) AS d
  FROM f
  GROUP BY GROUPING SETS ((cty, twp, vil), (cty, twp), (cty))
)
SELECT region,
  pop, b, {r("b", "pop", "1000.0")}, {r("b", "w0+w1+w2+w3+w4+w5+w6", "1000.0")},
  {", ".join(asfr)},
  CASE WHEN {" AND ".join(f"w{a} > 0" for a in range(7))} THEN 5.0 * ({" + ".join(asfr)}) / 1000.0 END,
  {r("bm", "bf", "100.0")}, {r("om1", "of1", "100.0")}, {r("om2", "of2", "100.0")}, {r("om3", "of3", "100.0")},
  {r("o1", "o1+o2+o3", "100.0")}, {r("o2", "o1+o2+o3", "100.0")}, {r("o3", "o1+o2+o3", "100.0")},
  d, {r("d", "pop", "1000.0")}, {r("b - d", "pop", "1000.0")}
FROM c ORDER BY region
"""


def timed(con, sql, runs):
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = con.execute(sql).fetchall()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("persons_csv")
    ap.add_argument("--year", type=int, required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    ap.add_argument("--check", metavar="OURS_JSON", help="renkou indicators --level all JSON to compare with")
    a = ap.parse_args()

    con = duckdb.connect()
    if a.threads:
        con.execute(f"SET threads = {a.threads}")
    src = (f"read_csv('{a.persons_csv}', header = true, all_varchar = false, "
           "types = {'person_id': 'VARCHAR', 'mother_id': 'VARCHAR', 'region_code': 'VARCHAR', "
           "'sex': 'INTEGER', 'birth_date': 'DATE', 'death_date': 'DATE', 'residence': 'VARCHAR'})")
    csv_s, _ = timed(con, catalogue_sql(src, a.year), a.runs)
    t = time.perf_counter()
    con.execute(f"CREATE TABLE persons AS SELECT person_id, sex, birth_date, death_date, region_code, mother_id, residence FROM {src}")
    load_s = time.perf_counter() - t
    table_s, result = timed(con, catalogue_sql("persons", a.year), a.runs)
    n = con.execute("SELECT count(*) FROM persons").fetchone()[0]
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
    print(f"DuckDB {duckdb.__version__} ({threads} threads), {n} persons, year {a.year}, "
          f"{len(result)} regions x {len(CODES)} indicators; median of {a.runs} runs:")
    print(f"  csv   (read CSV + compute)      {csv_s * 1000:8.0f} ms")
    print(f"  load  (CSV -> in-memory table)  {load_s * 1000:8.0f} ms  (once)")
    print(f"  table (compute on loaded table) {table_s * 1000:8.0f} ms")

    if a.check:
        ours = {(r["region_code"], r["indicator"]): r["value"] for r in json.load(open(a.check, encoding="utf-8"))}
        bad = 0
        for row in result:
            for code, v in zip(CODES, row[1:]):
                o = ours.get((row[0], code), "missing")
                same = (o is None and v is None) or (
                    o not in (None, "missing") and v is not None and math.isclose(o, float(v), rel_tol=1e-9, abs_tol=1e-9))
                if not same:
                    bad += 1
                    if bad <= 10:
                        print(f"  DIFFERS {row[0]} {code}: renkou {o}, duckdb {v}", file=sys.stderr)
        print(f"  check: {len(result) * len(CODES) - bad} of {len(result) * len(CODES)} figures equal renkou's"
              + ("" if bad == 0 else f", {bad} differ"))
        if bad:
            sys.exit(1)


if __name__ == "__main__":
    main()
