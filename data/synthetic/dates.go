package synthetic

import "time"

// First and last year of the incidents' event_date.
const (
	firstYear = 2012
	lastYear  = 2025
)

// yearWeights are the relative numbers of incidents per year from firstYear on: an invented
// curve with the shape of the conflict (the 2012-2013 rebellion and intervention, a lull, the
// spread to central Mali from 2015, a peak in 2022), not ACLED counts.
func yearWeights() []uint64 {
	return []uint64{4, 5, 3, 4, 4, 5, 8, 9, 10, 10, 12, 11, 10, 9}
}

// calendar holds every day of firstYear..lastYear as a boxed "YYYY-MM-DD" string, and each
// year as a boxed int64, so that records share them instead of formatting their own.
type calendar struct {
	years    []any   // years[y-firstYear] = int64(y)
	days     [][]any // days[y-firstYear][d] = the date of day d (0-based) of year y
	yearsCum []uint64
}

func newCalendar() calendar {
	c := calendar{yearsCum: cumulate(yearWeights())}
	for y := firstYear; y <= lastYear; y++ {
		c.years = append(c.years, int64(y))
		var days []any
		for d := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); d.Year() == y; d = d.AddDate(0, 0, 1) {
			days = append(days, d.Format(time.DateOnly))
		}
		c.days = append(c.days, days)
	}
	return c
}

// draw returns a random date and its year.
func (c calendar) draw(s source) (date, year any) {
	y := s.pick(c.yearsCum)
	days := c.days[y]
	return days[s.below(uint64(len(days)))], c.years[y]
}
