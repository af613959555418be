// Package keyfile holds what every software key format shares: the
// decoded contents of a key file or container and the errors its readers
// return.
//
// The formats live in sub-packages (keyfile/pfx for PKCS#12 files,
// keyfile/cpcontainer for CryptoPro key containers); the agent's key source
// for software keys uses them through these types only.
//
// # Rules
//
//   - A reader never keeps the password it is given, and wipes the
//     intermediate keys it derives before it returns.
//   - Contents own the private key: whoever receives them calls Wipe when
//     the key is no longer needed (after one signature or one batch).
//   - A wrong password is ErrWrongPassword and says nothing else about the
//     key; a file that cannot be read is ErrDamaged; a format or algorithm
//     that is understood but not implemented is ErrUnsupported. All three
//     are wrapped with detail for the log; pages and users see only the
//     class.
package keyfile
