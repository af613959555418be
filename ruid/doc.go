// Package ruid validates the Russian identifiers found in qualified
// certificates and in the forms of state portals: INN (taxpayer number of
// an organisation, 10 digits, or of a person, 12 digits), OGRN (primary
// state registration number of an organisation, 13 digits), OGRNIP (of an
// individual entrepreneur, 15 digits), SNILS (individual insurance account
// number, 11 digits) and KPP (tax registration reason code, 9 characters).
//
// # Rules
//
// Each Validate function checks the length and character set (wrapping
// ErrFormat) and then the check digits defined for the identifier
// (wrapping ErrChecksum). The returned *Error names the identifier and the
// reason. Validation is syntactic: a number that passes may still not be
// registered. Leading or trailing spaces are a format error: callers trim
// form input themselves.
//
// Certificates issued before the INNLE attribute existed carry an
// organisation's INN as 12 digits, "00" followed by the 10-digit INN.
// ValidateINN accepts that legacy form (checking the 10-digit INN inside)
// and LegacyOrganizationINN extracts it; ValidatePersonINN refuses it.
//
// # Concurrency
//
// All functions are pure and safe for concurrent use.
package ruid
