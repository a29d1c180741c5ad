package server

import (
	"context"

	"signet/internal/iam"
	"signet/internal/principal"
)

// consoleKeys tells the console which long-term keys a principal may sign
// share links with: the root its own key, a user its active access keys.
type consoleKeys struct {
	root string
	iam  *iam.Service
}

func (k consoleKeys) ActiveKeys(ctx context.Context, p principal.Principal) ([]string, error) {
	if p.IsRoot {
		return []string{k.root}, nil
	}
	if p.UserName == "" || p.SessionKind == principal.SessionAssumedRole {
		return nil, nil // a role has no long-term keys
	}
	keys, err := k.iam.ListAccessKeys(ctx, p.UserName)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, ak := range keys {
		if ak.Status == principal.KeyActive {
			ids = append(ids, ak.ID)
		}
	}
	return ids, nil
}
