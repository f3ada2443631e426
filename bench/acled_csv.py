#!/usr/bin/env python3
"""Turn `harmattan export --format csv` of a synthetic incidents layer into an ACLED export:
ACLED's 31 standard columns in their order, the missing ones filled as ACLED fills them.
Reads CSV on stdin, writes CSV on stdout. Standard library only.

    harmattan export --db synthetic.gpkg --layer incidents --format csv | bench/acled_csv.py > acled.csv
"""
import csv
import sys

ACLED = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
         "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
         "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
         "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
         "fatalities", "tags", "timestamp"]
DISORDER = {"Battles": "Political violence", "Explosions/Remote violence": "Political violence",
            "Violence against civilians": "Political violence", "Protests": "Demonstrations",
            "Riots": "Demonstrations", "Strategic developments": "Strategic developments"}

reader = csv.DictReader(sys.stdin)
writer = csv.writer(sys.stdout, lineterminator="\n")
writer.writerow(ACLED)
for i, row in enumerate(reader):
    civilians = "Civilian targeting" if row["event_type"] == "Violence against civilians" else ""
    writer.writerow([
        row["event_id_cnty"], row["event_date"], row["year"], "1", DISORDER.get(row["event_type"], ""),
        row["event_type"], row["sub_event_type"], row["actor1"], "", "State forces" if "Forces" in row["actor1"] else "Rebel group",
        row["actor2"], "", "Civilians" if "Civilians" in row["actor2"] else "", "", civilians, "466",
        "Western Africa", "Mali", row["admin1"], row["admin2"], "", row["location"], row["latitude"],
        row["longitude"], row["geo_precision"], row["source"], "Other", row["notes"], row["fatalities"],
        "synthetic", str(1700000000 + i),
    ])
