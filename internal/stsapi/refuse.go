package stsapi

import "signet/internal/awsquery"

// unsupported lists the parameters of served STS actions that select a
// feature signet does not implement; ServeQuery refuses them with
// InvalidParameterValue before the action runs. docs/operations.md lists
// them. (PolicyArns is not here: managed session policies are served.)
var unsupported = []awsquery.Unsupported{
	{Action: "AssumeRole", Param: "Tags.", Feature: "session tags"},
	{Action: "AssumeRole", Param: "TransitiveTagKeys.", Feature: "session tags"},
	{Action: "GetFederationToken", Param: "Tags.", Feature: "session tags"},
	// SerialNumber and TokenCode are not here: signet's own CLI sends them
	// for mfa_serial profiles (docs/cli.md). Without MFA devices the code
	// is not checked, and no session is ever MFA-authenticated
	// (aws:MultiFactorAuthPresent is false), so an MFA condition denies.
	{Action: "AssumeRole", Param: "ProvidedContexts.", Feature: "trusted identity propagation (ProvidedContexts)"},
}
