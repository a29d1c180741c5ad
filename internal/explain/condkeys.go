package explain

import (
	"fmt"
	"net/http"
	"strings"

	"signet/internal/access"
	"signet/internal/authn"
)

// keyLister is the server's authoriser, which can say which condition
// keys the policies of a decision test that signet never supplies.
type keyLister interface {
	UnsuppliedKeys(r *http.Request, res *authn.Result, action, resource string) ([]access.PolicyKeyNote, error)
}

// unsuppliedKeys adds to the message the condition keys that the policies
// deciding the request test and that signet never supplies for its
// action: a Deny conditioned on one never applies, which is why a URL
// the author meant to refuse may work.
func (j *judgement) unsuppliedKeys() error {
	kl, ok := j.x.cfg.Authz.(keyLister)
	if !ok || j.dry.Result == nil || j.dry.Action == "" {
		return nil
	}
	notes, err := kl.UnsuppliedKeys(j.r, j.dry.Result, j.dry.Action, j.dry.Resource)
	if err != nil {
		return fmt.Errorf("explain: listing condition keys: %w", err)
	}
	if len(notes) == 0 {
		return nil
	}
	parts := make([]string, 0, len(notes))
	for _, n := range notes {
		parts = append(parts, n.Policy+" "+n.String())
	}
	j.out.Message += fmt.Sprintf(" Note: %s; a condition on such a key never holds (StringEquals and the like fail on an absent key), so the statement never applies to %s.",
		strings.Join(parts, "; "), j.dry.Action)
	return nil
}
