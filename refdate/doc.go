// Package refdate replaces a person's real dates with reference dates such
// that every interval between that person's dates stays exactly as it was,
// with no coordination between the sources of a project.
//
// Every holder of the project key derives the same per-person offset on its
// own, from the project's date-shift key and the person's serial
// ([Offsets]; SPEC.md §6 defines the derivation with test vectors). Because
// the offset depends on the serial, not on the national ID, a pseudonymous
// register that only ever sees serials derives the same offsets as a
// register that sees IDs.
//
//	project key ──HKDF "koble/v1/dateshift"──> date-shift key ─┐
//	national ID ──HMAC (package pseudonym)──> serial ──────────┴─HMAC─> offset in [-W,-1] ∪ [1,W]
//
// It knows nothing of files: it works on Arrow arrays ([Shifter.ShiftArray],
// [CoarsenArray], [RelativeArray]) and on day numbers. Dates are date32,
// date64, timestamps of any unit with or without a zone, or strings in the
// layouts YYYY-MM-DD, DD.MM.YYYY and YYYYMMDD (with an optional time part),
// written back as read.
//
// # Options
//
// Offsets are whole days drawn uniformly from [-W, +W] without zero, or
// whole weeks (every weekday kept). A [Shifter] applies them, optionally
// keeping each date in its calendar year ([YearPolicy]) or inside a floor
// and ceiling ([BoundsPolicy]); both change some intervals when they clamp,
// so by default they refuse (the row is quarantined) rather than clamp.
// Timestamps move by whole 24-hour days ([Instant]) or by calendar days in
// their zone ([CalendarDay]). Partial dates ("2024", "2024-03") cannot keep
// exact intervals: they are quarantined or coarsened to the year, never
// shifted silently. Coarsening ([CoarsenArray]) keeps the year, year-month
// or ISO week; relative dates ([RelativeArray]) count days from a
// per-person reference date.
//
// # Security considerations
//
// Date shifting hides calendar dates; it does not make a person anonymous.
// What leaks, and what the options do about it:
//
//   - One true date reveals the whole shift. If an attacker knows one of a
//     person's real dates (the birth date is the usual one: it is on many
//     documents) and can find that date's shifted value, they learn the
//     offset and so every real date of that person. Either shift birth
//     dates with the person's offset (ages stay exact, but the birth date
//     then becomes the key to the shift for anyone who knows it) or, better
//     where ages need not be exact, coarsen the birth date to the year or
//     year-month and shift the rest.
//   - Few possible offsets. A window of W days gives 2W offsets; keeping the
//     weekday leaves 2⌊W/7⌋ (a 30-day window: 8). An attacker who knows
//     roughly when an event happened can try them all. Use the widest window
//     the research allows; prefer not keeping weekdays unless the analysis
//     needs them.
//   - The edges of a data set. If all data lie between two known dates, a
//     shifted date near an edge narrows the possible offsets (a shifted
//     date 10 days before the data start means the offset is at least -10
//     days off). Floors and ceilings that refuse rather than clamp avoid
//     creating new edges, but the data's own edges remain.
//   - Repeated extracts. The same key gives the same offsets in every
//     delivery of a project, which keeps deliveries consistent; a new
//     project key gives new offsets, and comparing two projects' shifted
//     dates of the same persons would reveal the difference of the offsets.
//     Do not give one recipient two projects' extracts of the same persons.
//   - Clamping and reflecting (year and bound policies) change intervals
//     for the dates they touch, and a clamped date sits on a boundary that
//     marks it.
package refdate
