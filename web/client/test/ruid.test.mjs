// The page's identifier checks (web/portal/ruid.js) against known numbers;
// portal/ruidjs_test.go compares them with package ruid on many more.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { validateINNLE, validateKPP, validateOGRN, validatePersonINN, validateSNILS } from '../../portal/ruid.js';

test('valid identifiers pass', () => {
  assert.equal(validateINNLE('7707083893'), null);
  assert.equal(validateINNLE('0099001233'), null);
  assert.equal(validateOGRN('1027700132195'), null);
  assert.equal(validateOGRN('1250000123450'), null);
  assert.equal(validatePersonINN('500100732259'), null);
  assert.equal(validateKPP('773601001'), null);
  assert.equal(validateKPP('7736AB001'), null);
  assert.equal(validateSNILS('112-233-445 95'), null);
  assert.equal(validateSNILS('11223344595'), null);
});

test('every single changed digit is caught', () => {
  for (const [f, v] of [[validateINNLE, '7707083893'], [validateOGRN, '1027700132195'], [validatePersonINN, '500100732259']]) {
    for (let i = 0; i < v.length; i++) {
      const d = (Number(v[i]) + 1) % 10;
      const bad = v.slice(0, i) + d + v.slice(i + 1);
      assert.notEqual(f(bad), null, `${bad} passed`);
    }
  }
});

test('format errors say what is expected', () => {
  assert.match(validateINNLE('123'), /10 цифр/);
  assert.match(validateOGRN('12345678901x3'), /13 цифр/);
  assert.match(validateKPP('77360100'), /9 символов/);
  assert.match(validateINNLE('7707083894'), /контрольное число/);
  assert.match(validateSNILS('112-233-445 96'), /контрольная сумма/);
});
