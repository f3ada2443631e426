package synthetic

// Actor labels: generic, ACLED-style names.
const (
	actorMilitary   = "Military Forces of Mali"
	actorPolice     = "Police Forces of Mali"
	actorJNIM       = "JNIM: Group for Support of Islam and Muslims"
	actorISSP       = "Islamic State Sahel Province"
	actorDozo       = "Dozo Militia"
	actorUnknown    = "Unidentified Armed Group (Mali)"
	actorCivilians  = "Civilians (Mali)"
	actorProtesters = "Protesters (Mali)"
	actorRioters    = "Rioters (Mali)"
)

// fatalityModel says how many people an event of a type kills.
type fatalityModel int

const (
	// lethal: a geometric-like count, 0 for 45%, mostly 0-5, a thin tail up to about 200.
	lethal fatalityModel = iota
	// rarelyLethal: 0 for 85%, else 1-5.
	rarelyLethal
	// mostlyPeaceful: 0 for 95%, else 1-3.
	mostlyPeaceful
)

// subEvent is an ACLED sub-event type with its share (weight) within its event type and the
// actors it pairs: actor1 is drawn from actors1, actor2 from actors2 ("" for none) and is never
// the same as actor1.
type subEvent struct {
	name             string
	weight           uint64
	actors1, actors2 []string
}

// eventType is one of ACLED's six event types, with its share (weight, per mille) of all
// incidents, its sub-event types and its fatality model.
type eventType struct {
	name       string
	weight     uint64
	subs       []subEvent
	fatalities fatalityModel
}

// eventTypes returns ACLED's six event types with rough Sahel proportions.
func eventTypes() []eventType {
	armed := []string{actorMilitary, actorJNIM, actorISSP, actorDozo, actorUnknown}
	insurgents := []string{actorJNIM, actorISSP, actorUnknown}
	state := []string{actorMilitary}
	civilians := []string{actorCivilians}
	none := []string{""}
	return []eventType{
		{name: "Violence against civilians", weight: 320, fatalities: lethal, subs: []subEvent{
			{name: "Attack", weight: 70, actors1: armed, actors2: civilians},
			{name: "Abduction/forced disappearance", weight: 27, actors1: armed, actors2: civilians},
			{name: "Sexual violence", weight: 3, actors1: armed, actors2: civilians},
		}},
		{name: "Battles", weight: 280, fatalities: lethal, subs: []subEvent{
			{name: "Armed clash", weight: 90, actors1: armed, actors2: armed},
			{name: "Government regains territory", weight: 5, actors1: state, actors2: insurgents},
			{name: "Non-state actor overtakes territory", weight: 5, actors1: insurgents, actors2: armed},
		}},
		{name: "Explosions/Remote violence", weight: 170, fatalities: lethal, subs: []subEvent{
			{name: "Remote explosive/landmine/IED", weight: 50, actors1: insurgents, actors2: []string{actorMilitary, actorCivilians}},
			{name: "Air/drone strike", weight: 25, actors1: state, actors2: insurgents},
			{name: "Shelling/artillery/missile attack", weight: 18, actors1: insurgents, actors2: []string{actorMilitary, actorCivilians}},
			{name: "Suicide bomb", weight: 4, actors1: insurgents, actors2: state},
			{name: "Grenade", weight: 3, actors1: armed, actors2: []string{actorCivilians, ""}},
		}},
		{name: "Strategic developments", weight: 120, fatalities: mostlyPeaceful, subs: []subEvent{
			{name: "Looting/property destruction", weight: 35, actors1: armed, actors2: []string{actorCivilians, ""}},
			{name: "Arrests", weight: 20, actors1: []string{actorMilitary, actorPolice}, actors2: civilians},
			{name: "Disrupted weapons use", weight: 15, actors1: state, actors2: none},
			{name: "Change to group/activity", weight: 10, actors1: armed, actors2: none},
			{name: "Headquarters or base established", weight: 8, actors1: armed, actors2: none},
			{name: "Non-violent transfer of territory", weight: 5, actors1: armed, actors2: none},
			{name: "Agreement", weight: 4, actors1: armed, actors2: armed},
			{name: "Other", weight: 3, actors1: armed, actors2: none},
		}},
		{name: "Protests", weight: 70, fatalities: mostlyPeaceful, subs: []subEvent{
			{name: "Peaceful protest", weight: 85, actors1: []string{actorProtesters}, actors2: none},
			{name: "Protest with intervention", weight: 12, actors1: []string{actorProtesters}, actors2: []string{actorPolice, actorMilitary}},
			{name: "Excessive force against protesters", weight: 3, actors1: []string{actorProtesters}, actors2: []string{actorPolice, actorMilitary}},
		}},
		{name: "Riots", weight: 40, fatalities: rarelyLethal, subs: []subEvent{
			{name: "Violent demonstration", weight: 60, actors1: []string{actorRioters}, actors2: []string{"", actorPolice}},
			{name: "Mob violence", weight: 40, actors1: []string{actorRioters}, actors2: []string{actorCivilians, ""}},
		}},
	}
}
