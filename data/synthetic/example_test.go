package synthetic_test

import (
	"errors"
	"fmt"
	"io"

	"github.com/harmattan/harmattan/data/synthetic"
)

func ExampleIncidents() {
	next := synthetic.Incidents(42, 3)
	for {
		r, err := next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			fmt.Println(err)
			return
		}
		p := r.Properties
		fmt.Println(p["event_id_cnty"], p["event_date"], p["event_type"], "near", p["location"], p["synthetic"])
	}
	// Output:
	// SYN000000001 2018-02-04 Violence against civilians near Mopti true
	// SYN000000002 2013-10-29 Violence against civilians near Gao true
	// SYN000000003 2013-09-23 Violence against civilians near Ségou true
}
