package i18n

// Key names one text of the catalogue.
type Key string

type entry struct{ ru, en string }

// Keys of the pairing window.
const (
	PairTitle   Key = "pair.title"
	PairHeading Key = "pair.heading"
	PairCode    Key = "pair.code"
	PairHint    Key = "pair.hint"
	PairOnce    Key = "pair.once"
	PairAlways  Key = "pair.always"
	PairRefuse  Key = "pair.refuse"
)

// Keys of the signing window.
const (
	SignTitleDocument Key = "sign.title.document"
	SignTitleBatch    Key = "sign.title.batch"
	SignTitleLogin    Key = "sign.title.login"
	SignAsksDocument  Key = "sign.asks.document"
	SignAsksBatch     Key = "sign.asks.batch" // plural
	SignAsksLogin     Key = "sign.asks.login"
	SignTitleCosign   Key = "sign.title.cosign"
	SignAsksCosign    Key = "sign.asks.cosign"
	SignCosigners     Key = "sign.cosigners"
	SignTitleRaw      Key = "sign.title.raw"
	SignAsksRaw       Key = "sign.asks.raw"
	SignRawWarning    Key = "sign.raw.warning"
	SignWhat          Key = "sign.what"
	SignFiles         Key = "sign.files"
	SignHash          Key = "sign.hash"
	SignPages         Key = "sign.pages" // plural
	SignPreview       Key = "sign.preview"
	SignMoreFiles     Key = "sign.more"
	SignDeclared      Key = "sign.declared"
	SignDeclaredHint  Key = "sign.declared.hint"
	SignNoName        Key = "sign.noname"
	SignButton        Key = "sign.button"
	LoginButton       Key = "sign.login"
	Cancel            Key = "cancel"
	Close             Key = "close"
	PINLabel          Key = "pin.label"
	PINPlaceholder    Key = "pin.placeholder"
	PINWrong          Key = "pin.wrong"
	PINTriesLeft      Key = "pin.tries" // plural
	PINPad            Key = "pin.pad"
	PINTitle          Key = "pin.title"
	SizeBytes         Key = "size.bytes"
	SizeKB            Key = "size.kb"
	SizeMB            Key = "size.mb"
)

// Keys of the certificate card.
const (
	CertTitle        Key = "cert.title"
	CertOwner        Key = "cert.owner"
	CertPosition     Key = "cert.position"
	CertOrganization Key = "cert.organization"
	CertINN          Key = "cert.inn"
	CertINNLE        Key = "cert.innle"
	CertOGRN         Key = "cert.ogrn"
	CertSNILS        Key = "cert.snils"
	CertValidity     Key = "cert.validity"
	CertPeriod       Key = "cert.period"
	CertToken        Key = "cert.token"
	CertKey          Key = "cert.key"
	CertNotValid     Key = "cert.invalid"
	CertExpiresSoon  Key = "cert.expires" // plural
	CertUnknown      Key = "cert.unknown"
	CertQualified    Key = "cert.qualified"
)

// Keys of the batch progress window and of notices.
const (
	BatchTitle    Key = "batch.title"
	BatchProgress Key = "batch.progress"
	BatchDone     Key = "batch.done"
	NoticeTitle   Key = "notice.title"
	PausedNotice  Key = "notice.paused"
	ExpiryNotice  Key = "notice.expiry"
	ExpiryTitle   Key = "notice.expiry.title"
)

// Keys of the command line's progress bar (zavera sign).
const (
	CLIRate       Key = "cli.rate"
	CLIFilesDone  Key = "cli.files.done"
	CLIFileOfMany Key = "cli.files.of"
)

// Keys of the main window.
const (
	MainTitle        Key = "main.title"
	TabTokens        Key = "tab.tokens"
	TabSites         Key = "tab.sites"
	TabJournal       Key = "tab.journal"
	TabSettings      Key = "tab.settings"
	TabDiagnostics   Key = "tab.diagnostics"
	NoTokens         Key = "tokens.none"
	TokenNoCerts     Key = "tokens.nocerts"
	TokenPINLocked   Key = "tokens.locked"
	Revoke           Key = "sites.revoke"
	NoSites          Key = "sites.none"
	SiteConfigured   Key = "sites.configured"
	SiteApproved     Key = "sites.approved"
	Search           Key = "journal.search"
	JournalEmpty     Key = "journal.empty"
	JournalCount     Key = "journal.count" // plural
	SetModules       Key = "settings.modules"
	SetPort          Key = "settings.port"
	SetLanguage      Key = "settings.language"
	SetLangSystem    Key = "settings.lang.system"
	SetStartAtLogin  Key = "settings.autostart"
	SetSave          Key = "settings.save"
	SetSaved         Key = "settings.saved"
	SetBadPort       Key = "settings.badport"
	SetRestart       Key = "settings.restart"
	DiagModules      Key = "diag.modules"
	DiagModuleOK     Key = "diag.module.ok"
	DiagModuleFailed Key = "diag.module.failed"
	DiagTokens       Key = "diag.tokens"
	DiagCerts        Key = "diag.certs"
	DiagPort         Key = "diag.port"
	DiagTLS          Key = "diag.tls"
	DiagBrowser      Key = "diag.browser"
	DiagOK           Key = "diag.ok"
	DiagProblem      Key = "diag.problem"
	DiagRefresh      Key = "diag.refresh"
	DiagNone         Key = "diag.none"
	Error            Key = "error"
)

// Keys of «Показать сертификаты» on a token that shows its certificates
// only after a login.
const (
	TokenCertsAfterLogin Key = "tokens.afterlogin"
	TokenShowCerts       Key = "tokens.showcerts"
	TokenLoginFailed     Key = "tokens.login.failed"
	TokenLoginNoAgent    Key = "tokens.login.noagent"
	TokenCertsFromTray   Key = "tokens.login.fromtray"
)

// Keys of the main window's software keys.
const (
	KeyFilesTitle       Key = "keyfiles.title"
	KeyFilesHint        Key = "keyfiles.hint"
	KeyFilesNone        Key = "keyfiles.none"
	AddKeyFile          Key = "keyfiles.add"
	AddKeyFolder        Key = "keyfiles.addfolder"
	RemoveKeyFile       Key = "keyfiles.remove"
	KeyFileContainer    Key = "keyfiles.container"
	KeyFilePKCS12       Key = "keyfiles.pkcs12"
	KeyFileFound        Key = "keyfiles.found"
	KeyFileMissing      Key = "keyfiles.missing"
	KeyFileDamaged      Key = "keyfiles.damaged"
	KeyFileUnsupported  Key = "keyfiles.unsupported"
	KeyFileNoCert       Key = "keyfiles.nocert"
	KeyFileAddFailed    Key = "keyfiles.addfailed"
	PasswordLabel       Key = "password.label"
	PasswordPlaceholder Key = "password.placeholder"
	PasswordWrong       Key = "password.wrong"
	KeyPasswordTitle    Key = "keyfiles.password.title"
	KeyPasswordAsks     Key = "keyfiles.password.asks"
	KeyPasswordAdd      Key = "keyfiles.password.add"
	MoveKey             Key = "keyfiles.move"
	MoveKeyTitle        Key = "keyfiles.move.title"
	MoveKeyToken        Key = "keyfiles.move.token"
	MoveKeyWarning      Key = "keyfiles.move.warning"
	MoveKeyConfirm      Key = "keyfiles.move.confirm"
	MoveKeyNoTokens     Key = "keyfiles.move.notokens"
	MoveKeyNoGOST       Key = "keyfiles.move.nogost"
	MoveKeyAlready      Key = "keyfiles.move.already"
	MoveKeyFailed       Key = "keyfiles.move.failed"
	MoveKeyDone         Key = "keyfiles.move.done"
)

// Keys of the tray menu.
const (
	TrayRunning Key = "tray.running"
	TrayPaused  Key = "tray.paused"
	TrayTokens  Key = "tray.tokens" // plural
	TraySites   Key = "tray.sites"
	TrayNoSites Key = "tray.nosites"
	TrayOpen    Key = "tray.open"
	TrayPause   Key = "tray.pause"
	TrayResume  Key = "tray.resume"
	TrayQuit    Key = "tray.quit"
)

// catalog has every text in both languages. Plural entries list their
// forms separated by "|".
var catalog = map[Key]entry{
	PairTitle:   {"Zavera: новый сайт", "Zavera: new site"},
	PairHeading: {"Сайт просит доступ к вашим токенам подписи", "A site asks to use your signing tokens"},
	PairCode:    {"Код, который показывает страница", "The code the page shows"},
	PairHint:    {"Разрешайте, только если страница показывает тот же код и вы доверяете этому сайту.", "Allow only if the page shows the same code and you trust this site."},
	PairOnce:    {"Разрешить один раз", "Allow once"},
	PairAlways:  {"Разрешать всегда", "Always allow"},
	PairRefuse:  {"Запретить", "Refuse"},

	SignTitleDocument: {"Zavera: подписание документа", "Zavera: sign a document"},
	SignTitleBatch:    {"Zavera: подписание документов", "Zavera: sign documents"},
	SignTitleLogin:    {"Zavera: вход по сертификату", "Zavera: log in with a certificate"},
	SignAsksDocument:  {"просит подписать документ", "asks you to sign a document"},
	SignAsksBatch:     {"просит подписать %d документ|просит подписать %d документа|просит подписать %d документов", "asks you to sign %d document|asks you to sign %d documents"},
	SignAsksLogin:     {"просит войти с вашим сертификатом", "asks you to log in with your certificate"},
	SignTitleCosign:   {"Zavera: добавление подписи", "Zavera: add your signature"},
	SignAsksCosign:    {"просит добавить вашу подпись к документу", "asks you to add your signature to a document"},
	SignCosigners:     {"Уже подписали", "Already signed by"},
	SignTitleRaw:      {"Zavera: подпись без контейнера", "Zavera: signature without a container"},
	SignAsksRaw:       {"просит подпись без контейнера", "asks for a signature without a container"},
	SignRawWarning:    {"Подпись без контейнера — сайт сможет использовать её для любых целей. Подписывайте, только если ваша организация требует этого для этого сайта.", "A signature without a container: the site can use it for any purpose. Sign only if your organisation requires it for this site."},
	SignWhat:          {"Что подписывается", "What is signed"},
	SignFiles:         {"Файлы", "Files"},
	SignHash:          {"Хэш", "Hash"},
	SignPages:         {"%d страница|%d страницы|%d страниц", "%d page|%d pages"},
	SignPreview:       {"Содержимое", "Contents"},
	SignMoreFiles:     {"… и ещё %d", "… and %d more"},
	SignDeclared:      {"Имена файлов от страницы", "File names given by the page"},
	SignDeclaredHint:  {"Подписывается документ выше. Эти имена сообщила страница, Zavera их не проверяла.", "What is signed is the document above. The page gave these names; Zavera did not check them."},
	SignNoName:        {"(без имени)", "(no name)"},
	SignButton:        {"Подписать", "Sign"},
	LoginButton:       {"Войти", "Log in"},
	Cancel:            {"Отмена", "Cancel"},
	Close:             {"Закрыть", "Close"},
	PINLabel:          {"PIN-код токена", "Token PIN"},
	PINPlaceholder:    {"Введите PIN-код", "Type the PIN"},
	PINWrong:          {"Неверный PIN-код.", "Wrong PIN."},
	PINTriesLeft:      {"Осталась %d попытка до блокировки|Осталось %d попытки до блокировки|Осталось %d попыток до блокировки", "%d try left before the token locks|%d tries left before the token locks"},
	PINPad:            {"Введите PIN-код на клавиатуре токена или считывателя.", "Enter the PIN on the keypad of the token or reader."},
	PINTitle:          {"Zavera: PIN-код", "Zavera: PIN"},
	SizeBytes:         {"%d байт", "%d bytes"},
	SizeKB:            {"%.1f КБ", "%.1f KB"},
	SizeMB:            {"%.1f МБ", "%.1f MB"},

	CertTitle:        {"Сертификат", "Certificate"},
	CertOwner:        {"Владелец", "Owner"},
	CertPosition:     {"Должность", "Position"},
	CertOrganization: {"Организация", "Organisation"},
	CertINN:          {"ИНН", "INN"},
	CertINNLE:        {"ИНН организации", "Organisation INN"},
	CertOGRN:         {"ОГРН", "OGRN"},
	CertSNILS:        {"СНИЛС", "SNILS"},
	CertValidity:     {"с %s по %s", "from %s to %s"},
	CertPeriod:       {"Срок действия", "Valid"},
	CertToken:        {"Токен", "Token"},
	CertKey:          {"Ключ", "Key"},
	CertNotValid:     {"Сертификат сейчас не действует", "The certificate is not valid now"},
	CertExpiresSoon:  {"Сертификат истекает через %d день|Сертификат истекает через %d дня|Сертификат истекает через %d дней", "The certificate expires in %d day|The certificate expires in %d days"},
	CertUnknown:      {"(неизвестен)", "(unknown)"},
	CertQualified:    {"квалифицированный", "qualified"},

	BatchTitle:    {"Zavera: подписание", "Zavera: signing"},
	BatchProgress: {"Подписано %d из %d", "Signed %d of %d"},
	BatchDone:     {"Готово", "Done"},
	NoticeTitle:   {"Zavera", "Zavera"},
	PausedNotice:  {"Подписание приостановлено: запрос сайта %s отклонён.", "Signing is paused: the request from %s was refused."},
	ExpiryNotice:  {"Сертификат «%s» истекает %s.", "The certificate of %s expires on %s."},
	ExpiryTitle:   {"Сертификат скоро истечёт", "A certificate expires soon"},

	CLIRate:       {"%s МБ/с", "%s MB/s"},
	CLIFilesDone:  {"Подписано файлов: %d из %d", "%d of %d files signed"},
	CLIFileOfMany: {"файл %d из %d", "file %d of %d"},

	MainTitle:        {"Zavera", "Zavera"},
	TabTokens:        {"Токены", "Tokens"},
	TabSites:         {"Сайты", "Sites"},
	TabJournal:       {"Журнал", "Journal"},
	TabSettings:      {"Настройки", "Settings"},
	TabDiagnostics:   {"Диагностика", "Diagnostics"},
	NoTokens:         {"Токены не найдены. Вставьте токен.", "No tokens found. Insert a token."},
	TokenNoCerts:     {"На токене нет сертификатов.", "No certificates on this token."},
	TokenPINLocked:   {"PIN-код заблокирован", "PIN locked"},
	Revoke:           {"Отозвать", "Revoke"},
	NoSites:          {"Нет одобренных сайтов.", "No approved sites."},
	SiteConfigured:   {"задан администратором", "set by the administrator"},
	SiteApproved:     {"одобрен вами", "approved by you"},
	Search:           {"Поиск по журналу", "Search the journal"},
	JournalEmpty:     {"Записей нет.", "No records."},
	JournalCount:     {"%d запись|%d записи|%d записей", "%d record|%d records"},
	SetModules:       {"Модули PKCS#11 (по одному в строке)", "PKCS#11 modules (one a line)"},
	SetPort:          {"Порт", "Port"},
	SetLanguage:      {"Язык", "Language"},
	SetLangSystem:    {"Как в системе", "As the system"},
	SetStartAtLogin:  {"Запускать при входе в систему", "Start at login"},
	SetSave:          {"Сохранить", "Save"},
	SetSaved:         {"Сохранено. Изменения вступят в силу после перезапуска Zavera.", "Saved. Changes take effect when Zavera restarts."},
	SetBadPort:       {"Порт должен быть числом от 1 до 65535.", "The port must be a number from 1 to 65535."},
	SetRestart:       {"Перезапустите Zavera, чтобы применить изменения.", "Restart Zavera to apply the changes."},
	DiagModules:      {"Модули PKCS#11", "PKCS#11 modules"},
	DiagModuleOK:     {"загружен", "loaded"},
	DiagModuleFailed: {"не загружен: %s", "not loaded: %s"},
	DiagTokens:       {"Токены", "Tokens"},
	DiagCerts:        {"Сертификаты", "Certificates"},
	DiagPort:         {"Порт", "Port"},
	DiagTLS:          {"Локальный сертификат TLS", "Local TLS certificate"},
	DiagBrowser:      {"Подключение страницы из браузера", "A browser page can connect"},
	DiagOK:           {"в порядке", "OK"},
	DiagProblem:      {"проблема", "problem"},
	DiagRefresh:      {"Проверить снова", "Check again"},
	DiagNone:         {"нет", "none"},
	Error:            {"Ошибка: %s", "Error: %s"},

	KeyFilesTitle:       {"Ключи в файлах", "Keys in files"},
	KeyFilesHint:        {"Ключ в файле или контейнере КриптоПро — программный ключ, а не сертифицированный токен: он защищён только паролем. Пароль спрашивается при каждой подписи и нигде не хранится.", "A key in a file or a CryptoPro container is a software key, not a certified token: only its password protects it. The password is asked at every signature and stored nowhere."},
	KeyFilesNone:        {"Ключей в файлах нет.", "No keys in files."},
	AddKeyFile:          {"Добавить ключ из файла", "Add a key from a file"},
	AddKeyFolder:        {"Папка контейнера…", "Container folder…"},
	RemoveKeyFile:       {"Убрать из списка", "Remove from the list"},
	KeyFileContainer:    {"контейнер КриптоПро", "CryptoPro container"},
	KeyFilePKCS12:       {"файл PKCS#12", "PKCS#12 file"},
	KeyFileFound:        {"найден на диске", "found on a drive"},
	KeyFileMissing:      {"Файлы ключа не найдены: вставьте носитель.", "The key's files are not found: insert the drive."},
	KeyFileDamaged:      {"Файлы ключа повреждены или это не ключ.", "The key's files are damaged or not a key."},
	KeyFileUnsupported:  {"Такой ключ Zavera не поддерживает.", "Zavera does not support this kind of key."},
	KeyFileNoCert:       {"С ключом нет сертификата.", "There is no certificate with the key."},
	KeyFileAddFailed:    {"Ключ не добавлен: %s", "The key was not added: %s"},
	PasswordLabel:       {"Пароль ключа", "Key password"},
	PasswordPlaceholder: {"Введите пароль", "Type the password"},
	PasswordWrong:       {"Неверный пароль.", "Wrong password."},
	KeyPasswordTitle:    {"Zavera: пароль файла ключа", "Zavera: key file password"},
	KeyPasswordAsks:     {"Сертификат в файле PKCS#12 зашифрован паролем ключа. Введите пароль один раз, чтобы добавить ключ: Zavera скопирует сертификат и не сохранит пароль. При каждой подписи пароль будет спрошен снова.", "The certificate in a PKCS#12 file is encrypted with the key's password. Type the password once to add the key: Zavera copies the certificate out and does not keep the password. It is asked again at every signature."},
	KeyPasswordAdd:      {"Добавить", "Add"},
	MoveKey:             {"Перенести на токен", "Move to a token"},
	MoveKeyTitle:        {"Zavera: перенос ключа на токен", "Zavera: move a key to a token"},
	MoveKeyToken:        {"Токен", "Token"},
	MoveKeyWarning:      {"Закрытый ключ и сертификат будут записаны на выбранный токен; прочитать ключ с токена будет нельзя. Файл ключа Zavera не удаляет.", "The private key and the certificate will be written onto the chosen token; the key cannot be read back from it. Zavera does not delete the key file."},
	MoveKeyConfirm:      {"Перенести", "Move"},
	MoveKeyNoTokens:     {"Нет токена, принимающего ключи ГОСТ: вставьте токен.", "No token that takes GOST keys: insert a token."},
	MoveKeyNoGOST:       {"Этот токен не принимает ключи ГОСТ; ничего не записано.", "This token does not take GOST keys; nothing was written."},
	MoveKeyAlready:      {"Этот ключ уже есть на токене; ничего не записано.", "This key is already on the token; nothing was written."},
	MoveKeyFailed:       {"Ключ не перенесён: %s", "The key was not moved: %s"},
	MoveKeyDone:         {"Ключ %s перенесён на токен «%s». Файл ключа для подписи токеном больше не нужен: храните его копию в надёжном месте или удалите сами и уберите из списка.", "Key %s was moved to the token «%s». The key file is no longer needed to sign with the token: keep it as a copy in a safe place, or delete it yourself and remove it from the list."},

	TrayRunning: {"Zavera работает", "Zavera is running"},
	TrayPaused:  {"Zavera: подписание приостановлено", "Zavera: signing paused"},
	TrayTokens:  {"%d токен|%d токена|%d токенов", "%d token|%d tokens"},
	TraySites:   {"Одобренные сайты", "Approved sites"},
	TrayNoSites: {"(нет)", "(none)"},
	TrayOpen:    {"Открыть Zavera", "Open Zavera"},
	TrayPause:   {"Приостановить подписание", "Pause signing"},
	TrayResume:  {"Возобновить подписание", "Resume signing"},
	TrayQuit:    {"Выйти", "Quit"},

	// «Показать сертификаты».
	TokenCertsAfterLogin: {"Этот токен показывает сертификаты только после ввода PIN-кода.",
		"This token shows its certificates only after its PIN is entered."},
	TokenShowCerts:    {"Показать сертификаты", "Show certificates"},
	TokenLoginFailed:  {"Не удалось войти на токен: %v", "Could not log in to the token: %v"},
	TokenLoginNoAgent: {"Zavera не запущена: запустите её, чтобы показать сертификаты этого токена.", "Zavera is not running: start it to show this token's certificates."},
	TokenCertsFromTray: {"Этот токен показывает сертификаты только после ввода PIN-кода: откройте Zavera из значка в области уведомлений и нажмите «Показать сертификаты».",
		"This token shows its certificates only after its PIN is entered: open Zavera from its notification area icon and press Show certificates."},
}

// Keys lists every key of the catalogue.
func Keys() []Key {
	out := make([]Key, 0, len(catalog))
	for k := range catalog {
		out = append(out, k)
	}
	return out
}
