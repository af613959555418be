package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"time"

	"github.com/zavera/zavera/internal/appconf"
	"github.com/zavera/zavera/internal/childproc"
	"github.com/zavera/zavera/pkcs11"
	"github.com/zavera/zavera/ui"
)

// doctorReport is the part of `zavera doctor --json` the diagnostics page
// shows (the doctor's JSON is documented by `zavera doctor --help`).
type doctorReport struct {
	Modules []struct {
		pkcs11.Module
		Error string `json:"error"`
	} `json:"modules"`
	Tokens       []pkcs11.Token `json:"tokens"`
	Certificates []struct {
		Owner        string       `json:"owner"`
		Organization string       `json:"organization"`
		NotAfter     time.Time    `json:"not_after"`
		ValidNow     bool         `json:"valid_now"`
		Token        pkcs11.Token `json:"token"`
	} `json:"certificates"`
	Agent struct {
		Port        int    `json:"port"`
		Answers     bool   `json:"answers"`
		Protocol    int    `json:"protocol"`
		Error       string `json:"error"`
		WSSVerified bool   `json:"wss_verified"`
	} `json:"agent"`
	LocalTLS struct {
		Present       bool      `json:"present"`
		Error         string    `json:"error"`
		ValidNow      bool      `json:"valid_now"`
		TrustedSystem bool      `json:"trusted_by_system"`
		CAFile        string    `json:"ca_file"`
		NotAfter      time.Time `json:"not_after"`
	} `json:"local_tls"`
	Problems []string `json:"problems"`
}

// Diagnose runs `zavera doctor --json` (the agent's program, installed
// beside this one) and reads its report.
func (b *mainBackend) Diagnose() ui.Diagnosis {
	exe, err := appconf.FindProgram(appconf.AgentProgram)
	if err != nil {
		return ui.Diagnosis{Problems: []string{"zavera doctor: " + err.Error()}}
	}
	return diagnose(exe, b.cfgPath)
}

// diagnose runs the doctor of the agent program exe on the configuration
// cfgPath. The doctor exits 1 when it finds problems: its report is read
// whatever the exit status.
func diagnose(exe, cfgPath string) ui.Diagnosis {
	var out, errOut bytes.Buffer
	// zavera.exe is a console program: without NoConsole a console
	// window would flash up on Windows each time the tab is refreshed.
	cmd := childproc.NoConsole(exec.Command(exe, "doctor", "--json", "--config", cfgPath))
	cmd.Stdout, cmd.Stderr = &out, &errOut
	runErr := cmd.Run()
	var r doctorReport
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		msg := err.Error()
		if runErr != nil {
			msg = strings.TrimSpace(runErr.Error() + ": " + errOut.String())
		}
		return ui.Diagnosis{Problems: []string{"zavera doctor: " + msg}}
	}
	return diagnosisOf(&r)
}

func diagnosisOf(r *doctorReport) ui.Diagnosis {
	d := ui.Diagnosis{Port: r.Agent.Port, Problems: r.Problems}
	for _, m := range r.Modules {
		d.Modules = append(d.Modules, ui.ModuleState{Path: m.Path, Description: m.Description, Err: m.Error})
	}
	for _, t := range r.Tokens {
		d.Tokens = append(d.Tokens, strings.TrimSpace(fmt.Sprintf("%s — %s %s", t.Label, t.Manufacturer, t.Model)))
	}
	for _, c := range r.Certificates {
		line := fmt.Sprintf("%s, %s, %s — %s", c.Owner, c.Organization, c.Token.Label, c.NotAfter.Format("2006-01-02"))
		if !c.ValidNow {
			line += " (!)"
		}
		d.Certificates = append(d.Certificates, line)
	}
	sort.Strings(d.Certificates)
	d.PortOK = r.Agent.Answers
	if r.Agent.Answers {
		d.PortDetail = fmt.Sprintf("Zavera, protocol %d", r.Agent.Protocol)
	} else {
		d.PortDetail = r.Agent.Error
	}
	t := r.LocalTLS
	d.TLSOK = t.Present && t.ValidNow && t.TrustedSystem
	if t.Present {
		d.TLSDetail = fmt.Sprintf("%s, %s", t.CAFile, t.NotAfter.Format("2006-01-02"))
	} else {
		d.TLSDetail = t.Error
	}
	d.BrowserOK = r.Agent.Answers && (r.Agent.WSSVerified || !t.Present)
	switch {
	case r.Agent.WSSVerified:
		d.BrowserInfo = "ws:// and wss://"
	case r.Agent.Answers:
		d.BrowserInfo = "ws://"
	}
	return d
}
