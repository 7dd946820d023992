# check.R: run by check.sh. Opens every data file that the manifests in
# the given folders list, as a researcher in R would: a CSV file with the
# loading snippet koble wrote beside it (NAME.load.R, readr), a Parquet or
# Arrow file with the arrow or nanoparquet package if one is installed.
# Checks the row count against the manifest, each column's class against
# the delivery's description (Date for shifted dates, character where it
# says string) and every text value against the file's text.
#
#   Rscript check.R DIR...
suppressPackageStartupMessages(library(jsonlite))
failures <- 0
checks <- 0
skipped <- character()
fail <- function(where, msg) {
  failures <<- failures + 1
  cat(sprintf("FAIL R %s: %s\n", where, msg))
}
rclass <- c(date = "Date", string = "character", integer = "numeric", number = "numeric", boolean = "logical")

declared <- function(f, col, fields) {
  if (col$name %in% unlist(f$done$shifted)) return("date")
  fd <- Filter(function(x) x$name == col$name, fields)
  if (length(fd) > 0) return(fd[[1]]$type)
  "string"
}

resources <- function(dir) {
  out <- list()
  for (p in list.files(dir, "datapackage\\.json$", full.names = TRUE)) {
    for (r in fromJSON(p, simplifyVector = FALSE)$resources) out[[r$path]] <- r
  }
  out
}

check_csv <- function(dir, f, res) {
  where <- paste0(basename(dir), "/", f$name)
  if (!file.exists(file.path(dir, paste0(f$name, ".load.R"))) || is.null(res)) {
    fail(where, "no loading snippet (NAME.load.R) or datapackage.json beside it")
    return(invisible())
  }
  env <- new.env()
  old <- setwd(dir)
  on.exit(setwd(old))
  suppressMessages(sys.source(paste0(f$name, ".load.R"), envir = env))
  snippet <- readLines(paste0(f$name, ".load.R"), warn = FALSE)
  df <- get(res$name, envir = env)
  enc <- if (is.null(res$encoding)) "UTF-8" else toupper(res$encoding)
  ref <- read.csv(f$name, colClasses = "character", na.strings = "", check.names = FALSE,
                  sep = res$dialect$delimiter, fileEncoding = enc)
  if (nrow(df) != f$rows) fail(where, sprintf("%d rows, the manifest says %d", nrow(df), f$rows))
  for (col in f$schema) {
    want <- declared(f, col, res$schema$fields)
    got <- class(df[[col$name]])[1]
    # The snippet reads a 64-bit integer as text on purpose (R's numbers
    # lose digits above 2^53; the snippet says so): its values must be the
    # file's text.
    if (want == "integer" && any(grepl(sprintf("`%s` = col_character()", col$name), snippet, fixed = TRUE)) &&
        any(grepl("a 64-bit integer, read as text", snippet, fixed = TRUE))) want <- "string"
    if (!(got %in% rclass[[want]] || (want == "integer" && got == "integer")))
      fail(where, sprintf("%s read as %s, declared %s", col$name, got, want))
    if (want == "string") {
      bad <- which(!(df[[col$name]] %in% ref[[col$name]]) | (is.na(df[[col$name]]) != is.na(ref[[col$name]])))
      if (length(bad) > 0) fail(where, sprintf("%s row %d: %s, the file holds %s", col$name, bad[1], df[[col$name]][bad[1]], ref[[col$name]][bad[1]]))
    }
  }
  checks <<- checks + 1
}

for (dir in commandArgs(trailingOnly = TRUE)) {
  res <- resources(dir)
  for (m in list.files(dir, "manifest\\.json$", full.names = TRUE)) {
    for (f in fromJSON(m, simplifyVector = FALSE)$files) {
      if (is.null(f$schema) || identical(f$role, "quarantine")) next
      if (identical(f$format, "csv")) {
        check_csv(dir, f, res[[f$name]])
      } else if (requireNamespace("arrow", quietly = TRUE) || requireNamespace("nanoparquet", quietly = TRUE)) {
        fail(f$name, "check.R does not read Parquet/Arrow yet though a reader is installed")
      } else {
        skipped <- c(skipped, sprintf("R %s/%s (%s: neither arrow nor nanoparquet is installed)", basename(dir), f$name, f$format))
      }
    }
  }
}
cat(sprintf("readers: %s, readr %s: %d CSV files read, %d failure(s), %d Parquet/Arrow files skipped\n",
            R.version.string, as.character(packageVersion("readr")), checks, failures, length(skipped)))
quit(status = if (failures > 0) 1 else 0)
