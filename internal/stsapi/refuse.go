package stsapi

import "signet/internal/awsquery"

// unsupported lists the parameters of served STS actions that select a
// feature signet does not implement; ServeQuery refuses them with
// InvalidParameterValue before the action runs. docs/operations.md lists
// them. (PolicyArns is not here: managed session policies are served.)
const mfaFeature = "MFA devices (the code cannot be checked, so no session is MFA-authenticated)"

var unsupported = []awsquery.Unsupported{
	{Action: "AssumeRole", Param: "Tags.", Feature: "session tags"},
	{Action: "AssumeRole", Param: "TransitiveTagKeys.", Feature: "session tags"},
	{Action: "GetFederationToken", Param: "Tags.", Feature: "session tags"},
	// signet has no MFA devices, so it cannot check a TokenCode: a session
	// issued anyway would let code that relies on MFA ship to AWS untested.
	{Action: "AssumeRole", Param: "SerialNumber", Feature: mfaFeature},
	{Action: "AssumeRole", Param: "TokenCode", Feature: mfaFeature},
	{Action: "GetSessionToken", Param: "SerialNumber", Feature: mfaFeature},
	{Action: "GetSessionToken", Param: "TokenCode", Feature: mfaFeature},
	{Action: "AssumeRole", Param: "ProvidedContexts.", Feature: "trusted identity propagation (ProvidedContexts)"},
}
