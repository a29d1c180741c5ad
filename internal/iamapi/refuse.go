package iamapi

import "signet/internal/awsquery"

// unsupported lists the parameters of served IAM actions that select a
// feature signet does not implement; ServeQuery refuses them with
// InvalidInput before the action runs. docs/operations.md lists them.
var unsupported = []awsquery.Unsupported{
	{Action: "CreateUser", Param: "Tags.", Feature: "IAM tags"},
	{Action: "CreateRole", Param: "Tags.", Feature: "IAM tags"},
	{Action: "CreatePolicy", Param: "Tags.", Feature: "IAM tags"},
	// A boundary ignored would grant more than the caller meant.
	{Action: "CreateUser", Param: "PermissionsBoundary", Feature: "permissions boundaries"},
	{Action: "CreateRole", Param: "PermissionsBoundary", Feature: "permissions boundaries"},
	// No signet policy is a boundary, so this filter is refused rather
	// than answered with every policy; PermissionsPolicy is honoured (it
	// is every policy).
	{Action: "ListPolicies", Param: "PolicyUsageFilter", Value: "PermissionsBoundary", Feature: "permissions boundaries"},
}
