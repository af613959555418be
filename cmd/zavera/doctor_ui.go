package main

import (
	"errors"

	"github.com/zavera/zavera/internal/appconf"
)

// doctorUIProgram is where the doctor found zavera-ui, the program that
// shows Zavera's windows.
type doctorUIProgram struct {
	Name     string `json:"name"`
	Found    bool   `json:"found"`
	Path     string `json:"path,omitempty"`
	Searched string `json:"searched,omitempty"` // the folder beside the agent, before PATH
	Error    string `json:"error,omitempty"`
}

// findDoctorUIProgram looks for zavera-ui as `zavera serve` does.
func findDoctorUIProgram() doctorUIProgram {
	p := doctorUIProgram{Name: appconf.UIProgram}
	path, err := appconf.FindProgram(appconf.UIProgram)
	if err != nil {
		p.Error = err.Error()
		var nf *appconf.ProgramNotFoundError
		if errors.As(err, &nf) {
			p.Searched = nf.Dir
		}
		return p
	}
	p.Found, p.Path = true, path
	return p
}
