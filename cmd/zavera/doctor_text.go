package main

import (
	"fmt"
	"os"

	"github.com/zavera/zavera/ui/i18n"
)

// doctorRussian holds the Russian text of every problem `zavera doctor`
// reports, keyed by its English format. The verbs stay in the same order.
var doctorRussian = map[string]string{
	"the configuration cannot be used: %v":                    "конфигурацией нельзя воспользоваться: %v",
	"PKCS#11: %v":                                             "PKCS#11: %v",
	"module %s failed to load: %v":                            "модуль %s не загрузился: %v",
	"no PKCS#11 module is loaded: install the token's driver": "не загружен ни один модуль PKCS#11: установите драйвер токена",
	"tokens: %v": "токены: %v",
	"the token driver %s was restarted %d times; last failure: %s":                                      "драйвер токена %s перезапускался %d раз(а); последний сбой: %s",
	"the PIN of token %q is locked":                                                                     "PIN-код токена %q заблокирован",
	"certificates: %v":                                                                                  "сертификаты: %v",
	"certificate %s (%s) is not valid now: %s":                                                          "сертификат %s (%s) сейчас недействителен: %s",
	"certificate %s (%s) expires on %s":                                                                 "срок действия сертификата %s (%s) истекает %s",
	"no token found: insert the token":                                                                  "токен не найден: вставьте токен",
	"nothing starts the agent at login: run 'zavera install'":                                           "агент не запускается при входе в систему: выполните 'zavera install'",
	"the %s policy %s cannot be read: %s":                                                               "политику %s (%s) не удаётся прочитать: %s",
	"no local TLS certificate (%s): run 'zavera install'":                                               "нет локального сертификата TLS (%s): выполните 'zavera install'",
	"the local TLS certificate is not valid now: run 'zavera tls --force' and 'zavera install'":         "локальный сертификат TLS сейчас недействителен: выполните 'zavera tls --force' и 'zavera install'",
	"the certificate store (%s) does not hold the local CA: run 'zavera install'":                       "в хранилище сертификатов (%s) нет локального УЦ: выполните 'zavera install'",
	"the system trust store does not hold the local CA: run 'sudo zavera install --system'":             "в системном хранилище доверенных сертификатов нет локального УЦ: выполните 'sudo zavera install --system'",
	"the %s database %s does not trust the local CA: run 'zavera install'":                              "база %s (%s) не доверяет локальному УЦ: выполните 'zavera install'",
	"Zavera does not answer on port %d: %s":                                                             "Zavera не отвечает на порту %d: %s",
	"wss:// on port %d does not present the local certificate: %s":                                      "wss:// на порту %d не предъявляет локальный сертификат: %s",
	"the browser extension's native messaging host is registered with no browser: run 'zavera install'": "хост расширения браузера (native messaging) не зарегистрирован ни в одном браузере: выполните 'zavera install'",
	"the %s native messaging host %s: %s: run 'zavera install'":                                         "хост расширения для %s (%s): %s: выполните 'zavera install'",
	"the window program %s is neither in %s nor on PATH: reinstall Zavera":                              "программы окон %s нет ни в %s, ни в PATH: переустановите Zavera",
}

// doctorLang is the language of the doctor's problems: the system's.
func doctorLang() i18n.Lang { return i18n.Detect(os.Getenv) }

// doctorProblem formats one problem in lang.
func doctorProblem(lang i18n.Lang, format string, a ...any) string {
	if lang == i18n.Russian {
		if ru, ok := doctorRussian[format]; ok {
			format = ru
		}
	}
	return fmt.Sprintf(format, a...)
}
