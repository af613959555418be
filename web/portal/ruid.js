// Check digits of Russian identifiers, as package ruid computes them on
// the server, so that the form points at a mistyped number at once.
// Each function returns null for a valid value or a Russian message.

const W10 = [2, 4, 10, 3, 5, 9, 4, 6, 8];
const W11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8];
const W12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8];

function digits(s, n) {
  return typeof s === 'string' && s.length === n && /^[0-9]+$/.test(s) ? Array.from(s, Number) : null;
}

function innCheck(d, w) {
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += d[i] * w[i];
  return sum % 11 % 10;
}

// modDigits is the decimal number d modulo m, digit by digit (OGRN has 13
// digits, past the exact range of a double only for OGRNIP).
function modDigits(d, m) {
  let r = 0;
  for (const x of d) r = (r * 10 + x) % m;
  return r;
}

export function validateINNLE(s) {
  const d = digits(s, 10);
  if (!d) return 'ИНН организации: 10 цифр';
  return innCheck(d, W10) === d[9] ? null : 'ИНН организации: неверное контрольное число — проверьте цифры';
}

export function validatePersonINN(s) {
  const d = digits(s, 12);
  if (!d) return 'ИНН: 12 цифр';
  if (s.startsWith('00')) return 'ИНН: это ИНН организации в старой форме, а не физического лица';
  if (innCheck(d, W11) !== d[10] || innCheck(d, W12) !== d[11]) return 'ИНН: неверное контрольное число — проверьте цифры';
  return null;
}

export function validateOGRN(s) {
  const d = digits(s, 13);
  if (!d) return 'ОГРН: 13 цифр';
  return modDigits(d.slice(0, 12), 11) % 10 === d[12] ? null : 'ОГРН: неверное контрольное число — проверьте цифры';
}

export function validateOGRNIP(s) {
  const d = digits(s, 15);
  if (!d) return 'ОГРНИП: 15 цифр';
  return modDigits(d.slice(0, 14), 13) % 10 === d[14] ? null : 'ОГРНИП: неверное контрольное число — проверьте цифры';
}

export function validateKPP(s) {
  if (typeof s !== 'string' || !/^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$/.test(s)) {
    return 'КПП: 9 символов, цифры (5-й и 6-й могут быть заглавными латинскими буквами)';
  }
  return null;
}

export function validateSNILS(s) {
  const n = typeof s === 'string' ? s.replace(/^(\d{3})-(\d{3})-(\d{3})[ -](\d{2})$/, '$1$2$3$4') : s;
  const d = digits(n, 11);
  if (!d) return 'СНИЛС: 11 цифр или NNN-NNN-NNN NN';
  // Numbers up to 001-001-998 were issued before the checksum rule.
  if (Number(n.slice(0, 9)) <= 1001998) return null;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += d[i] * (9 - i);
  let want = sum % 101;
  if (want === 100) want = 0;
  return want === d[9] * 10 + d[10] ? null : 'СНИЛС: неверная контрольная сумма';
}
