package synthetic

import (
	"errors"
	"io"
	"math"
	"testing"
)

func BenchmarkIncidents(b *testing.B) {
	b.ReportAllocs()
	next := Incidents(1, math.MaxInt)
	for b.Loop() {
		if _, err := next(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIncidentsMillion times a whole run of 1,000,000 records, as `harmattan generate`
// makes it (one generator, drained to io.EOF).
func BenchmarkIncidentsMillion(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		next := Incidents(1, 1_000_000)
		for {
			if _, err := next(); errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}
