package cert

// Qualified reports whether c looks like a Russian qualified certificate
// (federal law 63-FZ, article 14, and the order of the FSB of Russia No.
// 795): a GOST R 34.10-2012 key, a signing tool class policy (KC1..KC3, KB1,
// KB2, KA1: 1.2.643.100.113.x), the
// subjectSignTool and issuerSignTool extensions, and at least one of the
// identifiers INN, INNLE, OGRN, OGRNIP or SNILS in the subject. It is a
// heuristic on the contents only: whether the issuer is an accredited CA is
// a matter for chain verification against the accredited roots.
func (c *Certificate) Qualified() bool {
	if c.KeyAlgorithm != KeyGOST2012_256 && c.KeyAlgorithm != KeyGOST2012_512 {
		return false
	}
	if c.SubjectSignTool == "" || len(c.IssuerSignTool) == 0 {
		return false
	}
	kc := false
	for _, p := range c.Policies {
		if hasPrefix(p, oidPolicyKCPrefix) {
			kc = true
			break
		}
	}
	s := c.Subject
	return kc && (s.INN != "" || s.INNLE != "" || s.OGRN != "" || s.OGRNIP != "" || s.SNILS != "")
}
