; Zavera's Windows installer (NSIS 3.08 or later).
;
; Per-user: installs into %LOCALAPPDATA%\Programs\Zavera without
; administrator rights, starts the agent at login (HKCU Run key), and runs
; 'zavera install', which makes the local CA and loopback certificate,
; destroys the CA key and trusts the CA in the user's certificate store.
; The browser policies for the pre-approved portals are an option: the
; "Browser policies" component, or /POLICIES=1 on the command line.
; Silent: /S (with /D=FOLDER for another folder). The uninstaller removes
; everything the installer added.
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

Section "Zavera" SecMain
  SectionIn RO
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
  nsExec::ExecToLog '"$INSTDIR\zavera.exe" install --exe "$INSTDIR\zavera.exe" $PolicyFlag'
  Pop $0
  ${If} $0 != 0
    DetailPrint "Some set-up steps failed; 'zavera doctor' tells which."
  ${EndIf}
  ; Start now, as at login.
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

Section "Uninstall"
  ; Takes the CA out of the certificate store, the policies and the Run
  ; key, and removes the local certificate.
  nsExec::ExecToLog '"$INSTDIR\zavera.exe" uninstall'
  Pop $0
  DeleteRegValue HKCU "${RUN_KEY}" "Zavera"
  Delete "$SMPROGRAMS\Zavera.lnk"
  Delete "$INSTDIR\zavera.exe"
  Delete "$INSTDIR\zavera-ui.exe"
  Delete "$INSTDIR\zavera-host.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINST_KEY}"
  DeleteRegKey HKCU "${APP_KEY}"
SectionEnd
