; Zavera's Windows installer (NSIS 3.08 or later).
;
; Per-user: installs into %LOCALAPPDATA%\Programs\Zavera without
; administrator rights, starts the agent at login (HKCU Run key), and runs
; 'zavera install', which makes the local CA and loopback certificate,
; destroys the CA key and trusts the CA in the user's certificate store
; (Windows asks the user to confirm; the installer says so first) and in
; Firefox (its ImportEnterpriseRoots policy under HKCU).
; The browser policies for the pre-approved portals are an option: the
; "Browser policies" component, or /POLICIES=1 on the command line.
; Silent: /S (with /D=FOLDER for another folder). The uninstaller removes
; everything the installer added.
;
; A running agent is stopped before files are replaced (an upgrade) or
; removed: taskkill asks the user's zavera.exe processes to close, and
; 'zavera stop' ends those still running after a few seconds (only the
; user's own, started from this folder). After an upgrade the agent
; starts again, as after a first install.
;
; What the uninstaller removes of the user's data: the local CA and
; loopback certificate (%APPDATA%\zavera\tls), which exist only for this
; installation. It keeps the signature journal (%APPDATA%\zavera\journal*)
; and the user's own settings (config.json, remembered approvals): the
; journal is the user's record of what was signed and outlives the
; program, as documents do.
;
; zavera.exe (the agent) and zavera-ui.exe (its windows, a GUI-subsystem
; program) are installed side by side: the agent starts zavera-ui.exe from
; its own folder.
;
; makensis -DEXE=path\zavera.exe -DUIEXE=path\zavera-ui.exe -DHOSTEXE=path\zavera-host.exe -DVERSION=1.2.3
;          -DOUTFILE=setup.exe
;          [-DSIGN="command that signs the file given as its last argument"]

Unicode true
!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "Sections.nsh"

!ifndef EXE
  !error "define EXE, the path of zavera.exe"
!endif
!ifndef UIEXE
  !error "define UIEXE, the path of zavera-ui.exe"
!endif
!ifndef HOSTEXE
  !error "define HOSTEXE, the path of zavera-host.exe"
!endif
!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef OUTFILE
  !define OUTFILE "zavera-setup.exe"
!endif

!define UNINST_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Zavera"
!define RUN_KEY "Software\Microsoft\Windows\CurrentVersion\Run"
!define APP_KEY "Software\Zavera"

Name "Zavera"
OutFile "${OUTFILE}"
RequestExecutionLevel user
InstallDir "$LOCALAPPDATA\Programs\Zavera"
InstallDirRegKey HKCU "${APP_KEY}" "InstallDir"
SetCompressor /SOLID lzma
ShowInstDetails show
ShowUninstDetails show

!ifdef SIGN
  ; Sign the uninstaller as it is written, and the installer when done.
  !uninstfinalize '${SIGN} "%1"' = 0
  !finalize '${SIGN} "%1"' = 0
!endif

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_COMPONENTS
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_LANGUAGE "Russian"

Var PolicyFlag

; Shown before 'zavera install' puts the local CA into the user's Root
; store, which makes Windows ask the user once (skipped with /S; Windows
; still asks).
LangString TrustNotice ${LANG_ENGLISH} "Windows will now ask whether to install a certificate from $\"Zavera local CA$\" (followed by this computer's name). Answer Yes: it lets web portals reach Zavera on this computer over a secure connection. The certificate is valid only for this computer's own addresses (127.0.0.1, ::1, localhost), and its private key was destroyed as soon as it was made, so it can vouch for nothing else."
LangString TrustNotice ${LANG_RUSSIAN} "Сейчас Windows спросит, установить ли сертификат $\"Zavera local CA$\" (с именем этого компьютера). Ответьте $\"Да$\": так порталы смогут обращаться к Zavera на этом компьютере по защищённому соединению. Сертификат действует только для собственных адресов компьютера (127.0.0.1, ::1, localhost), а его закрытый ключ уничтожен сразу после создания, поэтому ничего другого он удостоверить не может."

; StopAgent ends the user's running agent: a polite request first
; (taskkill without /F closes a program's windows), and after at most
; three seconds 'zavera stop' for what is left. It returns when
; $INSTDIR\zavera.exe can be written, or after about ten seconds more. Used by the installer and, as un.StopAgent, the
; uninstaller.
!macro StopAgentBody
  Push $0
  Push $1
  Push $2
  ReadEnvStr $2 USERNAME
  ${If} ${FileExists} "$INSTDIR\zavera.exe"
    DetailPrint "Stopping the running Zavera agent"
    ; A polite request to close first (taskkill without /F).
    !insertmacro TaskKill ""
    !insertmacro WaitAgentFileFree 12
    ; Then 'zavera stop', which ends the user's agents started from
    ; this folder and waits for them; taskkill /F for a version without it.
    nsExec::Exec '"$INSTDIR\zavera.exe" stop --exe "$INSTDIR\zavera.exe"'
    Pop $0
    ${If} $0 != 0
      !insertmacro TaskKill "/F "
    ${EndIf}
    !insertmacro WaitAgentFileFree 40
  ${EndIf}
  Pop $2
  Pop $1
  Pop $0
!macroend

; TaskKill runs taskkill for the user's zavera.exe ($2 is the user's
; name); FORCE is "" or "/F ". taskkill answers 1 to a filter it does not
; know (Wine's has none): then it runs without the filter, since a user
; may end only their own processes anyway.
!macro TaskKill FORCE
  nsExec::Exec 'taskkill.exe ${FORCE}/IM zavera.exe /FI "USERNAME eq $2"'
  Pop $0
  ${If} $0 == 1
    nsExec::Exec 'taskkill.exe ${FORCE}/IM zavera.exe'
    Pop $0
  ${EndIf}
!macroend

; WaitAgentFileFree waits, at most N quarter-seconds, until zavera.exe is
; no longer in use.
!macro WaitAgentFileFree N
  StrCpy $1 0
  ${Do}
    Call ${UN}AgentFileFree
    Pop $0
    ${IfThen} $0 == 1 ${|} ${ExitDo} ${|}
    ${IfThen} $1 >= ${N} ${|} ${ExitDo} ${|}
    Sleep 250
    IntOp $1 $1 + 1
  ${Loop}
!macroend

; AgentFileFree pushes 1 if $INSTDIR\zavera.exe is not in use (it can be
; opened for writing: Windows refuses that for a running program), else 0.
!macro AgentFileFreeBody
  Push $0
  ClearErrors
  FileOpen $0 "$INSTDIR\zavera.exe" a
  ${If} ${Errors}
    Pop $0
    Push 0
  ${Else}
    FileClose $0
    Pop $0
    Push 1
  ${EndIf}
!macroend

!define UN ""
Function AgentFileFree
  !insertmacro AgentFileFreeBody
FunctionEnd
Function StopAgent
  !insertmacro StopAgentBody
FunctionEnd
!undef UN
!define UN "un."
Function un.AgentFileFree
  !insertmacro AgentFileFreeBody
FunctionEnd
Function un.StopAgent
  !insertmacro StopAgentBody
FunctionEnd
!undef UN

Section "Zavera" SecMain
  SectionIn RO
  ; An upgrade: the running agent holds zavera.exe.
  Call StopAgent
  SetOutPath "$INSTDIR"
  File "/oname=zavera.exe" "${EXE}"
  File "/oname=zavera-ui.exe" "${UIEXE}"
  ; The browser extension's native messaging host; 'zavera install'
  ; registers it with the browsers under HKCU.
  File "/oname=zavera-host.exe" "${HOSTEXE}"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKCU "${APP_KEY}" "InstallDir" "$INSTDIR"

  ; Apps & features.
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayName" "Zavera"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINST_KEY}" "Publisher" "Zavera"
  WriteRegStr HKCU "${UNINST_KEY}" "DisplayIcon" "$INSTDIR\zavera.exe"
  WriteRegStr HKCU "${UNINST_KEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINST_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINST_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINST_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKCU "${UNINST_KEY}" "EstimatedSize" $0

  ; Start menu, and start at login.
  CreateShortcut "$SMPROGRAMS\Zavera.lnk" "$INSTDIR\zavera.exe" "serve --tls"
  WriteRegStr HKCU "${RUN_KEY}" "Zavera" '"$INSTDIR\zavera.exe" serve --tls'
SectionEnd

Section /o "Browser policies for the portals" SecPolicies
  StrCpy $PolicyFlag "--browser-policies"
SectionEnd

Section "-Setup"
  ; The local CA and its trust, the policies if chosen, the Run key.
  ; Windows asks before a CA enters the user's Root store: say so first
  ; (not again on an upgrade, when the CA is already there).
  ${IfNot} ${FileExists} "$APPDATA\zavera\tls\ca.pem"
    DetailPrint "$(TrustNotice)"
    MessageBox MB_OK|MB_ICONINFORMATION "$(TrustNotice)" /SD IDOK
  ${EndIf}
  nsExec::ExecToLog '"$INSTDIR\zavera.exe" install --exe "$INSTDIR\zavera.exe" $PolicyFlag'
  Pop $0
  ${If} $0 != 0
    DetailPrint "Some set-up steps failed; 'zavera doctor' tells which."
  ${EndIf}
  ; Start now, as at login (after an upgrade: again).
  Exec '"$INSTDIR\zavera.exe" serve --tls'
SectionEnd

Function .onInit
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/POLICIES=" $R1
  ${IfNot} ${Errors}
  ${AndIf} $R1 == "1"
    !insertmacro SelectSection ${SecPolicies}
  ${EndIf}
FunctionEnd

; DropEmptyKey deletes HKCU\KEY if it has neither subkeys nor values:
; the parents of the policy and native messaging keys, which other
; programs may share.
!macro DropEmptyKey KEY
  DeleteRegKey /ifempty HKCU "${KEY}"
!macroend

Section "Uninstall"
  Call un.StopAgent
  ; Takes the CA out of the certificate store, the policies and the Run
  ; key, and removes the local certificate.
  nsExec::ExecToLog '"$INSTDIR\zavera.exe" uninstall'
  Pop $0
  DeleteRegValue HKCU "${RUN_KEY}" "Zavera"
  ; What 'zavera uninstall' removes, in case it could not run.
  DeleteRegKey HKCU "Software\Policies\Google\Chrome\LocalNetworkAccessAllowedForUrls"
  DeleteRegKey HKCU "Software\Policies\Chromium\LocalNetworkAccessAllowedForUrls"
  DeleteRegKey HKCU "Software\Policies\YandexBrowser\LocalNetworkAccessAllowedForUrls"
  DeleteRegKey HKCU "Software\Policies\Microsoft\Edge\LocalNetworkAccessAllowedForUrls"
  ; Firefox's enterprise roots policy, when 'zavera install' set it (it
  ; leaves a marker); an administrator's value stays.
  ${If} ${FileExists} "$APPDATA\zavera\tls\firefox-policy-set"
    DeleteRegValue HKCU "Software\Policies\Mozilla\Firefox\Certificates" "ImportEnterpriseRoots"
  ${EndIf}
  RMDir /r "$APPDATA\zavera\tls"
  !insertmacro DropEmptyKey "Software\Policies\Mozilla\Firefox\Certificates"
  !insertmacro DropEmptyKey "Software\Policies\Mozilla\Firefox"
  !insertmacro DropEmptyKey "Software\Policies\Mozilla"
  !insertmacro DropEmptyKey "Software\Policies\Google\Chrome"
  !insertmacro DropEmptyKey "Software\Policies\Google"
  !insertmacro DropEmptyKey "Software\Policies\Chromium"
  !insertmacro DropEmptyKey "Software\Policies\YandexBrowser"
  !insertmacro DropEmptyKey "Software\Policies\Microsoft\Edge"
  !insertmacro DropEmptyKey "Software\Policies\Microsoft"
  !insertmacro DropEmptyKey "Software\Policies"
  ; The native messaging host's registrations (installer/nativehosts.go)
  ; and the browser keys they alone created.
  DeleteRegKey HKCU "Software\Google\Chrome\NativeMessagingHosts\ru.zavera.host"
  DeleteRegKey HKCU "Software\Chromium\NativeMessagingHosts\ru.zavera.host"
  DeleteRegKey HKCU "Software\Yandex\YandexBrowser\NativeMessagingHosts\ru.zavera.host"
  DeleteRegKey HKCU "Software\Microsoft\Edge\NativeMessagingHosts\ru.zavera.host"
  DeleteRegKey HKCU "Software\Mozilla\NativeMessagingHosts\ru.zavera.host"
  !insertmacro DropEmptyKey "Software\Google\Chrome\NativeMessagingHosts"
  !insertmacro DropEmptyKey "Software\Google\Chrome"
  !insertmacro DropEmptyKey "Software\Google"
  !insertmacro DropEmptyKey "Software\Chromium\NativeMessagingHosts"
  !insertmacro DropEmptyKey "Software\Chromium"
  !insertmacro DropEmptyKey "Software\Yandex\YandexBrowser\NativeMessagingHosts"
  !insertmacro DropEmptyKey "Software\Yandex\YandexBrowser"
  !insertmacro DropEmptyKey "Software\Yandex"
  !insertmacro DropEmptyKey "Software\Microsoft\Edge\NativeMessagingHosts"
  !insertmacro DropEmptyKey "Software\Microsoft\Edge"
  !insertmacro DropEmptyKey "Software\Mozilla\NativeMessagingHosts"
  !insertmacro DropEmptyKey "Software\Mozilla"
  Delete "$SMPROGRAMS\Zavera.lnk"
  Delete "$INSTDIR\zavera.exe"
  Delete "$INSTDIR\zavera-ui.exe"
  Delete "$INSTDIR\zavera-host.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  ; The per-user programs folder, if Zavera was its only program.
  RMDir "$LOCALAPPDATA\Programs"
  ; What the agent notes about its token drivers (restarts, last
  ; failure): diagnostics, not the user's data.
  Delete "$APPDATA\zavera\module-hosts.json"
  ; The state folder, if only the certificate was in it.
  RMDir "$APPDATA\zavera"
  ; The agent's log (diagnostics, not the user's data: the journal is
  ; what records signatures, and it stays).
  Delete "$LOCALAPPDATA\Zavera\logs\zavera.log*"
  RMDir "$LOCALAPPDATA\Zavera\logs"
  RMDir "$LOCALAPPDATA\Zavera"
  DeleteRegKey HKCU "${UNINST_KEY}"
  !insertmacro DropEmptyKey "Software\Microsoft\Windows\CurrentVersion\Uninstall"
  DeleteRegKey HKCU "${APP_KEY}"
SectionEnd
