package main

import "encoding/json"

// RawArgs is a job of any kind whose args are the given JSON object. It has no
// `river:"unique"` fields, so unique by args uses every top-level key.
type RawArgs struct {
	kind string
	raw  json.RawMessage
}

func (a RawArgs) Kind() string { return a.kind }

func (a RawArgs) MarshalJSON() ([]byte, error) { return a.raw, nil }

func (a *RawArgs) UnmarshalJSON(data []byte) error {
	a.raw = append(json.RawMessage(nil), data...)
	return nil
}

// UniqueFieldsArgs declares its unique fields with struct tags, as Go users do: a nested
// field, a field omitted when empty, a whole sub-object, and fields declared out of
// alphabetical order. River Go keys it on the sorted paths
// address.street, amount, customer, plan, zeta.
type UniqueFieldsArgs struct {
	Zeta     string  `json:"zeta" river:"unique"`
	Customer string  `json:"customer" river:"unique"`
	Note     string  `json:"note"`
	Address  Address `json:"address"`
	Amount   int     `json:"amount,omitempty" river:"unique"`
	Plan     *Plan   `json:"plan,omitempty" river:"unique"`
}

type Address struct {
	Street string `json:"street" river:"unique"`
	City   string `json:"city"`
}

type Plan struct {
	Name  string `json:"name"`
	Seats int    `json:"seats"`
}

func (UniqueFieldsArgs) Kind() string { return "interop_unique_fields" }

// PathOrderArgs has a unique key "a-b" beside a nested "a.c": River Go sorts the paths as
// strings, so "a-b" comes first. opt is left out of the JSON, and so of the key, when
// empty.
type PathOrderArgs struct {
	A struct {
		C int `json:"c" river:"unique"`
		D int `json:"d"`
	} `json:"a"`
	AB  string `json:"a-b" river:"unique"`
	Opt string `json:"opt,omitempty" river:"unique"`
}

func (PathOrderArgs) Kind() string { return "interop_path_order" }

// OptionalArgs has a single unique field, left out when empty: then River Go finds no
// unique value at all.
type OptionalArgs struct {
	X    string `json:"x,omitempty" river:"unique"`
	Note string `json:"note"`
}

func (OptionalArgs) Kind() string { return "interop_unique_optional" }

// decodeArgs builds the args of one job: a typed args struct for the kinds the peer
// declares, else RawArgs.
func decodeArgs(kind string, raw json.RawMessage) (interface{ Kind() string }, error) {
	switch kind {
	case (UniqueFieldsArgs{}).Kind():
		return typed[UniqueFieldsArgs](raw)
	case (PathOrderArgs{}).Kind():
		return typed[PathOrderArgs](raw)
	case (OptionalArgs{}).Kind():
		return typed[OptionalArgs](raw)
	}
	if len(raw) == 0 {
		raw = json.RawMessage("{}")
	}
	return RawArgs{kind: kind, raw: raw}, nil
}

func typed[T interface{ Kind() string }](raw json.RawMessage) (interface{ Kind() string }, error) {
	var args T
	if err := json.Unmarshal(raw, &args); err != nil {
		return nil, err
	}
	return args, nil
}
