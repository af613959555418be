package cms

import (
	"errors"
	"time"

	"github.com/zavera/zavera/cert"
)

func verifyChain(leaf *cert.Certificate, inter, roots []*cert.Certificate, at time.Time) ([]*cert.Certificate, error) {
	return nil, errors.New("chain verification not available")
}
