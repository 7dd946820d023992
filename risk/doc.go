// Package risk measures the disclosure risk of a delivery per person:
// k-anonymity, sample and population uniqueness and l-diversity over
// chosen quasi-identifiers, streaming, in memory that grows with persons
// and not with rows, with suggestions of coarser values that would reach a
// threshold.
//
// It knows Arrow batches and columns, not files or national IDs: a person
// column (the project serial) names the person, and quasi-identifier
// columns hold values an intruder may know from elsewhere (birth year,
// sex, municipality, dates, diagnoses).
//
//	c, err := risk.New(risk.Config{Person: "lnr", QI: []string{"birth_year", "sex", "municipality"}})
//	for each batch { if err := c.Add(batch); err != nil { ... } }
//	res, err := c.Result()
//
// # Persons, not rows
//
// An event register has many rows per person, and the researcher sees all
// of them, so risk is measured per person. A person's values over their
// rows make the key of the person's equivalence class by one of three
// modes:
//
//   - combination (the default): for each quasi-identifier, the set of
//     distinct values over the person's rows; the class key is the tuple
//     of these sets. A person who lived in municipalities 0301 and 1103 is
//     in the class {0301, 1103}, with the persons who show exactly those
//     two. This is the default because it is what the researcher holding
//     the delivery sees of a person (every value of every row) and so the
//     finest, most cautious split that can be stated per variable; the
//     other modes can only make classes larger.
//   - first: the values of the person's first row in the order read.
//     Right when a quasi-identifier is constant per person (birth year,
//     sex) or the delivery has one row per person.
//   - every: the person counts in the class of every distinct combination
//     of values their rows show (a row's tuple of quasi-identifiers). A
//     class's size is the number of distinct persons who show its
//     combination on at least one row, and a person's class size is the
//     smallest among their combinations: an intruder who knows any one of
//     them narrows the person down to that class. k is then the smallest
//     class, and a person is at risk when their smallest class is below
//     the threshold.
//
// Only the combination mode can join sources ([Collector.AddSource]): the
// deliveries of a linkage plan that a researcher can join on the serial
// make one person-level view whose value sets come from several files.
//
// # Measures
//
// Classes are the distinct class keys. k ([Measures.SmallestClass]) is the
// size of the smallest. A person is at risk when their class has fewer
// persons than the threshold K (presets 3, 5, 10; default 5); a sample
// unique is alone in their class. l-diversity ([Diversity]) counts the
// distinct values of one sensitive column among a class's rows; a class
// with one value only discloses it to whoever knows a person is in it.
//
// Population uniqueness: given a population frame ([Frame]: persons of the
// population per combination of values), a delivered unique whose
// combination counts 1 in the frame is unique in the population too.
// Without a frame the package uses the estimator of Skinner and Elliot,
// "A measure of disclosure risk for microdata", Journal of the Royal
// Statistical Society B 64(4), 2002, pp. 855-867: the probability that a
// unique match of a delivered unique against the population is correct,
// estimated as pi*n1 / (pi*n1 + 2*(1-pi)*n2), where n1 and n2 are the
// numbers of classes of one and of two persons and pi the sampling
// fraction (delivered persons over the population size; 1 when no size is
// given, which assumes the delivery is the whole population: every unique
// is then a population unique).
//
// # Suggestions
//
// Each quasi-identifier has a generalisation [Ladder] (dates: day, month,
// quarter, year; whole numbers such as birth years: 1, 5, 10 years;
// municipality: county; ICD-10: three characters, chapter; each ending in
// dropping the column). When the delivery fails, generalisations are
// tried by increasing cost (levels climbed, summed), and the report names
// those at the cheapest cost that pass, with, at each cheaper cost, the
// best one and the persons it would still leave at risk: the persons to
// suppress instead. In modes first and combination suppressing the
// persons at risk leaves every other class as it is; in mode every it can
// shrink other classes, so the count is then a lower bound.
//
// # Memory
//
// While reading, the package keeps per person a 64-bit key of the serial
// and a 4-byte slot (about 14 bytes a person) to number persons densely,
// and each column's distinct values once. What each person shows (in mode
// combination the person's distinct values of each column; in mode every
// the ids of the distinct combinations of values their rows show; in mode
// first the first row's combination) goes as (person, entry) pairs into
// small buffers by range of persons, which are sorted and written to a
// temporary file (Config.TempDir) once more than a few tens of megabytes
// are kept. At the end each range is read back, sorted, and written as one
// record per person; every measurement (the data as delivered, and each
// generalisation tried) reads that file once from the start and keeps 4
// bytes a person and about 30 bytes a class. Memory thus follows persons
// and classes, not rows nor the values a person shows: bench/RESULTS.md
// has the figures at register scale (issue 17). Modes first and every
// also keep each distinct combination of the file once (about 4 bytes a
// column and 5 more), which is large when one column is nearly unique per
// row (a date of admission).
//
// A person who shows more than Config.Bound entries a column on average
// (Bound times the columns, at most 254 in all, in mode combination; Bound
// combinations in mode every) is not classed and is counted as at risk,
// apart, under every generalisation.
//
// # Collisions
//
// Persons are told apart by a 64-bit hash of the serial's text: among n
// persons the chance that two share a key is at most n*n/2^65, below
// 3 in a million for 10 million persons. A collision would merge two
// persons, which can only make classes look larger. Class keys of the
// combination mode are 128-bit hashes of the sorted value sets (chance of
// a collision among 10 million classes below 10^-24). Values and
// combinations are interned exactly, without hashing collisions.
package risk
