// Package synth generates synthetic Norwegian health registers that share
// persons, deterministically from a seed, so that koble can be developed,
// demonstrated and benchmarked without real data.
//
// A population of persons with valid, unique national identity numbers
// (fødselsnummer with the individual-number ranges of their birth century,
// about 3% D-numbers and 0.2% H-numbers) is drawn and held in memory
// (about 24 bytes a person). Four registers are streamed from it, in
// batches, so the number of rows is bounded only by disk:
//
//   - cancer: one row per diagnosis (ICD-10 C-codes, diagnosis date);
//   - patient: many rows per person, skewed (admission and discharge dates,
//     ICD-10 codes, hospital, municipality); its size is set by the caller;
//   - death: at most one row per person, the death date after every other
//     date of that person;
//   - prescription: a register pseudonym instead of the national ID: the
//     koble serial of the ID under the register's own key ([RegisterKey]),
//     as the pseudonym administrator derives it.
//
// A share of the IDs is malformed on purpose. No real person's number is
// used: every number is generated.
package synth
