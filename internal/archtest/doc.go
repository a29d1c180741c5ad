// Package archtest holds tests of signet's dependency rules (see
// docs/design): the heart of the product stays free of outside code, and
// only the composition root knows concrete engines.
package archtest
