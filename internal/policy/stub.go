package policy

import "fmt"

// document is the compiled form. (Skeleton: the evaluator replaces this file.)
type document struct{}

func parse(kind Kind, doc []byte) (*document, error) {
	return nil, fmt.Errorf("%w: not implemented", ErrMalformed)
}

func (d *document) evaluate(req *Request) (Effect, *Match) { return NotApplicable, nil }

func decide(req *Request, set Set) Decision { return Decision{} }
