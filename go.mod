module github.com/zavera/zavera

go 1.26.0

require (
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/miekg/pkcs11 v1.1.2 // indirect
	golang.org/x/crypto v0.58.0 // indirect
)
