package cert_test

import (
	"fmt"
	"os"
	"time"

	"github.com/zavera/zavera/cert"
)

func ExampleParseAll() {
	data, err := os.ReadFile("../../shared/realworld/ca_root_minkomsvyaz-rossii_2018_gost2012-256.der")
	if err != nil {
		fmt.Println(err)
		return
	}
	certs, err := cert.ParseAll(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	c := certs[0]
	fmt.Println(c.Subject.CommonName)
	fmt.Println(c.Subject.OGRN, c.Subject.OrganizationINN())
	fmt.Println(c.KeyString(), c.KeyParamSetName)
	fmt.Println(c.Qualified())
	// Output:
	// Минкомсвязь России
	// 1047702026701 7710474375
	// GOST R 34.10-2012 256 id-GostR3410-2001-CryptoPro-A-ParamSet
	// true
}

func ExampleVerifyChain() {
	load := func(name string) *cert.Certificate {
		data, err := os.ReadFile("../../shared/realworld/" + name)
		if err != nil {
			panic(err)
		}
		certs, err := cert.ParseAll(data)
		if err != nil {
			panic(err)
		}
		return certs[0]
	}
	root := load("ca_root_minkomsvyaz-rossii_2018_gost2012-256.der")
	ca := load("ca_tensor_2019_gost2012-256.der")
	chain, err := cert.VerifyChain(ca, nil, []*cert.Certificate{root}, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range chain {
		fmt.Println(c.Subject.CommonName)
	}
	// Output:
	// ООО "КОМПАНИЯ "ТЕНЗОР"
	// Минкомсвязь России
}
