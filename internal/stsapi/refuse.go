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
	// Without MFA devices a code cannot be checked, and a session that
	// claims aws:MultiFactorAuthPresent without one must not be issued.
	{Action: "AssumeRole", Param: "SerialNumber", Feature: "MFA"},
	{Action: "AssumeRole", Param: "TokenCode", Feature: "MFA"},
	{Action: "GetSessionToken", Param: "SerialNumber", Feature: "MFA"},
	{Action: "GetSessionToken", Param: "TokenCode", Feature: "MFA"},
	{Action: "AssumeRole", Param: "ProvidedContexts.", Feature: "trusted identity propagation (ProvidedContexts)"},
}
