# check.R: run by check.sh in the delivery's folder. Sources the R loading
# snippet and compares every value with the file's text.
args <- commandArgs(TRUE)
lines <- readLines(args[1], encoding = "UTF-8")
rows <- as.integer(args[2])
fail <- function(...) {
  cat("loaders: R: FAIL:", ..., "\n", file = stderr())
  quit(status = 1)
}
source("death.csv.load.R") # defines `death`
if (nrow(death) != rows) fail("rows", nrow(death), "want", rows)
parts <- lapply(strsplit(paste0(lines, ";x"), ";", fixed = TRUE), function(p) head(p, -1))
cols <- c("lnr", "death_date", "underlying_cause", "municipality", "code", "place", "note")
if (!identical(names(death), cols)) fail("columns", names(death))
same <- function(a, b) all(is.na(a) == is.na(b)) && all(a[!is.na(a)] == b[!is.na(b)])
for (i in seq_along(cols)) {
  got <- death[[i]]
  want <- vapply(parts, `[`, "", i)
  want[want == ""] <- NA
  if (inherits(got, "Date")) got <- format(got, "%Y-%m-%d")
  if (cols[i] %in% c("lnr", "code", "place", "note") && !is.character(got)) fail(cols[i], "read as", class(got), "not text")
  if (!same(as.character(got), want)) fail(cols[i], "differs from the file's text")
}
if (!any(nchar(death$lnr) >= 17)) fail("no serial above 2^53 in the test data")
if (!("0007" %in% death$code)) fail("a code lost its leading zeros")
if (!("Troms\u00f8" %in% death$place)) fail("Latin-1 text not decoded")
if (!("NA" %in% death$note)) fail("the text NA became missing")
cat("loaders: R", as.character(getRversion()), "readr", as.character(packageVersion("readr")), ":", nrow(death),
    "rows, every value as delivered (serials whole, codes with their zeros, Latin-1 decoded)\n")
