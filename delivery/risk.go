package delivery

// Risk records in a manifest the disclosure-risk check of what was
// delivered (see package risk): the quasi-identifiers measured, the
// threshold, the verdict and, when a delivery that failed was let through,
// the reason given for it. The manifest travels with the delivery, so the
// figures are those of the researcher-facing report: every count from 1 to
// K-1 is withheld.
type Risk struct {
	QI   []string `json:"quasi_identifiers"`
	Mode string   `json:"mode"`
	// Sources are the deliveries whose joined view was measured (a
	// linkage plan's run), empty for one delivery.
	Sources []string `json:"sources,omitempty"`
	K       int      `json:"k"`
	Pass    bool     `json:"pass"`
	// AcceptedReason is the reason given (--accept-risk) to deliver data
	// that failed the check.
	AcceptedReason string       `json:"accepted_reason,omitempty"`
	Figures        []RiskFigure `json:"figures"`
}

// RiskFigure is one figure of a [Risk], with the sentence that explains
// it; Value is nil when the count is withheld.
type RiskFigure struct {
	Name       string   `json:"name"`
	Value      *float64 `json:"value"`
	Suppressed bool     `json:"suppressed,omitempty"`
	Meaning    string   `json:"meaning"`
}
