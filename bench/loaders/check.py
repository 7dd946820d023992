"""check.py: run by check.sh in the delivery's folder. Runs the pandas
loading snippet and compares every value with the file's text."""
import sys

expect_file, rows = sys.argv[1], int(sys.argv[2])


def fail(*a):
    print("loaders: pandas: FAIL:", *a, file=sys.stderr)
    sys.exit(1)


ns = {}
exec(open("death.csv.load.py", encoding="utf-8").read(), ns)
df = ns["death"]
import pandas as pd

if len(df) != rows:
    fail("rows", len(df), "want", rows)
cols = ["lnr", "death_date", "underlying_cause", "municipality", "code", "place", "note"]
if list(df.columns) != cols:
    fail("columns", list(df.columns))
lines = open(expect_file, encoding="utf-8").read().splitlines()
parts = [l.split(";") for l in lines]
for i, c in enumerate(cols):
    got = df[c]
    if c in ("lnr", "code", "place", "note") and str(got.dtype) != "string":
        fail(c, "read as", got.dtype, "not text")
    for r, p in enumerate(parts):
        v = got.iloc[r]
        want = p[i]
        if pd.isna(v):
            if want != "":
                fail(c, "row", r + 1, "is missing, the file has a value")
            continue
        if hasattr(v, "strftime"):
            v = v.strftime("%Y-%m-%d")
        if str(v) != want:
            fail(c, "row", r + 1, "differs from the file's text")
if not (df["lnr"].str.len() >= 17).any():
    fail("no serial above 2^53 in the test data")
if "0007" not in set(df["code"].dropna()):
    fail("a code lost its leading zeros")
if "Troms\u00f8" not in set(df["place"].dropna()):
    fail("Latin-1 text not decoded")
if "NA" not in set(df["note"].dropna()):
    fail("the text NA became missing")
print("loaders: pandas", pd.__version__, ":", len(df), "rows, every value as delivered (serials whole, codes with their zeros, Latin-1 decoded)")
