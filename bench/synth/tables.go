package synth

// municipalities are real Norwegian municipality numbers (2024 numbering)
// with their names; the leading zero of Oslo's 0301 exercises the
// string-typed reading of code columns.
var municipalities = []struct{ code, name string }{
	{"0301", "Oslo"}, {"4601", "Bergen"}, {"5001", "Trondheim"}, {"1103", "Stavanger"},
	{"3201", "Bærum"}, {"4204", "Kristiansand"}, {"3301", "Drammen"}, {"1108", "Sandnes"},
	{"5501", "Tromsø"}, {"3107", "Fredrikstad"}, {"3907", "Sandefjord"}, {"1804", "Bodø"},
	{"1506", "Ålesund"}, {"3105", "Sarpsborg"}, {"4001", "Porsgrunn"}, {"3403", "Hamar"},
	{"1106", "Haugesund"}, {"3909", "Larvik"}, {"5503", "Harstad"}, {"3411", "Ringsaker"},
}

// hospitals are Norwegian health trusts and hospitals; their æ, ø and å
// exercise the Latin-1 and Windows-1252 paths.
var hospitals = []string{
	"Oslo universitetssykehus", "Haukeland universitetssjukehus", "St. Olavs hospital",
	"Universitetssykehuset Nord-Norge", "Stavanger universitetssjukehus",
	"Akershus universitetssykehus", "Sørlandet sykehus", "Sykehuset Innlandet",
	"Vestre Viken", "Sykehuset i Vestfold", "Sykehuset Telemark", "Sykehuset Østfold",
	"Helse Førde", "Helse Møre og Romsdal", "Nordlandssykehuset", "Helgelandssykehuset",
	"Finnmarkssykehuset", "Lovisenberg Diakonale Sykehus", "Diakonhjemmet Sykehus",
	"Sykehuset Innlandet Gjøvik",
}

// atcCodes are common ATC codes dispensed in Norway.
var atcCodes = []string{
	"A02BC01", "A10BA02", "B01AC06", "C07AB02", "C08CA01", "C09AA05", "C10AA01",
	"C10AA05", "H03AA01", "J01CE02", "J01CA04", "M01AE01", "N02BE01", "N05CF01",
	"N06AB04", "N06AB06", "R03AC02", "R06AE07", "L04AX03", "N02AJ06",
}

// morphologies are ICD-O-3 morphology codes with behaviour /3 (malignant).
var morphologies = []string{"8140/3", "8500/3", "8070/3", "8000/3", "8720/3", "9680/3", "8041/3", "8480/3"}

// icdChapters are the first letters of ICD-10 codes used for patient-
// registry diagnoses, weighted by repetition toward the common chapters.
const icdChapters = "ABCDEFGHIJJJKKKLMMMNNOPQRSSSTZZZ"
