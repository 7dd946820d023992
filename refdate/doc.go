// Package refdate shifts a person's dates by a per-person offset so that
// every interval between that person's dates stays exact while calendar
// dates are hidden.
package refdate
